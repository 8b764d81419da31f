// Issue 9, item 2: one request id end to end. The portal's x-request-id of a check-in reaches attendance
// inside the coalesced POST /checkins/batch (per item), and the log lines of both real apps about that
// check-in carry it: read from the pino output of each (LOG_LEVEL=debug, per-request lines on).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AttendanceService,
  call,
  FAULT_ENV,
  login,
  type RunningService,
  startAttendance,
  startIdentity,
  startPortal,
} from './support/stack.js';
import { refusingUrl } from './support/tcp-faults.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  batchReqId?: string;
  request_ids?: (string | null)[];
  status?: number;
  ticket_id?: string;
  [key: string]: unknown;
}

/** A pino destination that keeps every line, parsed. */
function logCapture() {
  const lines: LogLine[] = [];
  return {
    lines,
    stream: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
    about: (id: string) => lines.filter((line) => line.reqId === id || line.request_ids?.includes(id)),
  };
}

const DEBUG = { LOG_LEVEL: 'debug' };
const portalLog = logCapture();
const attendanceLog = logCapture();
let identity: RunningService;
let attendance: AttendanceService;
let portal: RunningService;
let token: string;

beforeAll(async () => {
  identity = await startIdentity();
  attendance = await startAttendance(DEBUG, { logStream: attendanceLog.stream });
  portal = await startPortal({
    identityUrl: identity.url,
    attendanceUrl: attendance.url,
    env: DEBUG,
    logStream: portalLog.stream,
  });
  token = await login(identity.url, 'panitia1');
});

afterAll(async () => {
  await portal?.close();
  await attendance?.close();
  await identity?.close();
});

const checkIn = (requestId: string, ticketId: string, portalUrl = portal.url, location?: string) =>
  call(portalUrl, 'POST', '/api/checkins', {
    token,
    headers: { 'x-request-id': requestId },
    json: { event_id: 'trace-fest', ticket_id: ticketId, ...(location && { location }) },
  });

describe('x-request-id from the portal to attendance', () => {
  it("follows one check-in's id through the portal's and attendance's log lines", async () => {
    const id = 'gate-7-scan-0042';
    const answer = await checkIn(id, 'TR-1');
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ ticket_id: 'TR-1', status: 'success' });

    const atPortal = portalLog.about(id).map((line) => line.msg);
    expect(atPortal).toEqual(['incoming request', 'request completed']);
    const atAttendance = attendanceLog.about(id);
    expect(atAttendance).toEqual([
      expect.objectContaining({
        msg: 'check-in answered',
        reqId: id,
        status: 201,
        event_id: 'trace-fest',
        ticket_id: 'TR-1',
        service: 'attendance',
      }),
    ]);
    // The item's line also names the batch request it came in, whose own lines are there too.
    const batchId = atAttendance[0]?.batchReqId as string;
    expect(attendanceLog.lines.filter((line) => line.reqId === batchId).map((line) => line.msg)).toEqual([
      'incoming request',
      'request completed',
    ]);
  });

  it('gives every item of a coalesced batch its own id in attendance’s log, the duplicate too', async () => {
    const ids = Array.from({ length: 24 }, (_, index) => `burst-${index}`);
    // The 4 repeats come from another gate: the same key-less scan at the same gate, before its first
    // answer was delivered, would be taken for a retry of it (201 again, see delivered-keys.ts).
    const answers = await Promise.all(
      ids.map((id, index) => checkIn(id, `BR-${index % 20}`, portal.url, index < 20 ? 'Gate 1' : 'Gate 2')),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([...Array(20).fill(201), ...Array(4).fill(409)]);
    const batchOf = new Map<string, string>();
    for (const id of ids) {
      const lines = attendanceLog.about(id);
      expect(lines, id).toHaveLength(1);
      expect(lines[0]).toMatchObject({ msg: 'check-in answered', reqId: id });
      batchOf.set(id, lines[0]?.batchReqId as string);
      expect(portalLog.about(id).map((line) => line.msg)).toEqual(['incoming request', 'request completed']);
    }
    // Gates checking in together shared batch calls: fewer batches than check-ins.
    expect(new Set(batchOf.values()).size).toBeLessThan(ids.length);
  });

  it("names the id in the portal's lines about a check-in attendance never answered (502)", async () => {
    const failing = logCapture();
    const cut = await startPortal({
      identityUrl: identity.url,
      attendanceUrl: await refusingUrl(),
      env: { ...FAULT_ENV, ...DEBUG },
      logStream: failing.stream,
    });
    try {
      const id = 'gate-9-scan-0001';
      const answer = await checkIn(id, 'TR-LOST', cut.url);
      expect(answer.status).toBe(502);
      expect(answer.body).toEqual({ detail: 'Attendance service unavailable' });
      expect(failing.about(id).map((line) => line.msg)).toEqual([
        'incoming request',
        'upstream unavailable',
        'dependency failure',
        'request completed',
      ]);
    } finally {
      await cut.close();
    }
  });
});
