// Camera QR scanning: the browser's own BarcodeDetector where it exists, else the bundled barcode-detector
// ponyfill (zxing-wasm), its .wasm served by the portal itself (never a CDN). Loaded only when the camera is opened.
import { useEffect, useRef, useState } from 'preact/hooks';
import { t } from '../i18n/index.js';

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}

interface NativeDetectorClass {
  new (options: { formats: string[] }): Detector;
  getSupportedFormats(): Promise<string[]>;
}

/**
 * The camera sees a ticket for as long as it is held up: the same code again is one scan, until
 * another code was seen or this long has passed (then it is a person scanning it again on purpose).
 */
const SAME_CODE_MS = 15_000;
const FRAME_MS = 150;

async function createDetector(): Promise<Detector> {
  const native = (window as unknown as { BarcodeDetector?: NativeDetectorClass }).BarcodeDetector;
  if (native && (await native.getSupportedFormats()).includes('qr_code')) return new native({ formats: ['qr_code'] });
  const [{ BarcodeDetector, prepareZXingModule }, { default: wasmUrl }] = await Promise.all([
    import('barcode-detector/ponyfill'),
    import('zxing-wasm/reader/zxing_reader.wasm?url'),
  ]);
  // The ponyfill would fetch its .wasm from a public CDN: blocked by our CSP and by the gate's network.
  prepareZXingModule({
    overrides: { locateFile: (file: string, prefix: string) => (file.endsWith('.wasm') ? wasmUrl : prefix + file) },
  });
  return new BarcodeDetector({ formats: ['qr_code'] });
}

export function CameraScanner(props: { onCode: (code: string) => void }) {
  const section = useRef<HTMLElement>(null);
  const video = useRef<HTMLVideoElement>(null);
  const [state, setState] = useState<'starting' | 'running' | { error: string }>('starting');
  const onCode = useRef(props.onCode);
  onCode.current = props.onCode;

  // Opened below the fold on a phone, the preview would seem not to open at all: it comes into view, again once
  // the video has its size.
  useEffect(() => {
    section.current?.scrollIntoView({ block: 'start' });
  }, [state === 'running']);

  useEffect(() => {
    let stream: MediaStream | undefined;
    let timer: number | undefined;
    let stopped = false;
    let last = { code: '', at: 0 };
    (async () => {
      try {
        stream = await navigator.mediaDevices.getUserMedia({
          video: { facingMode: 'environment', width: { ideal: 1280 } },
          audio: false,
        });
        const element = video.current;
        if (stopped || !element) return;
        element.srcObject = stream;
        await element.play();
        const detector = await createDetector();
        setState('running');
        const tick = async () => {
          if (stopped) return;
          try {
            if (element.readyState >= 2) {
              const [found] = await detector.detect(element);
              const now = Date.now();
              if (found?.rawValue && (found.rawValue !== last.code || now - last.at > SAME_CODE_MS)) {
                last = { code: found.rawValue, at: now };
                onCode.current(found.rawValue);
              }
            }
          } catch {
            // One unreadable frame: try the next.
          }
          timer = window.setTimeout(tick, FRAME_MS);
        };
        void tick();
      } catch (error) {
        if (!stopped) setState({ error: cameraProblem(error) });
      }
    })();
    return () => {
      stopped = true;
      window.clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };
  }, []);

  return (
    <section ref={section} class="camera card" aria-label={t('station.camera')}>
      {typeof state === 'object' ? (
        <p role="alert" class="banner banner-error">
          {t('station.cameraDenied', { reason: state.error })}
        </p>
      ) : (
        <p class="muted" role="status">
          {state === 'starting' ? t('station.cameraStarting') : t('station.cameraHint')}
        </p>
      )}
      <div class="camera-frame">
        <video ref={video} muted playsInline data-testid="camera-video" />
        <div class="camera-target" aria-hidden="true" />
      </div>
    </section>
  );
}

/** The browser's reason a camera would not start, in the page's language (its own text is in the browser's). */
function cameraProblem(error: unknown): string {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return t('station.cameraNotAllowed');
    case 'NotFoundError':
    case 'OverconstrainedError':
      return t('station.cameraNotFound');
    case 'NotReadableError':
    case 'AbortError':
      return t('station.cameraBusy');
    default:
      return error instanceof Error ? error.message : String(error);
  }
}
