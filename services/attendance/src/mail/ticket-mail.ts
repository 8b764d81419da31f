// One ticket's e-mail: the holder's QR code (a PNG inline and attached, made here with qrcode) and the event's
// details, in Indonesian with English below; sent through nodemailer's SMTP transport (SMTP_URL).
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import QRCode from 'qrcode';
import { wallClock } from '../exports/event-export.js';

export interface TicketMailEvent {
  title: string;
  location: string | null;
  startTime: string | null;
  timeZone: string;
}

export interface TicketMail {
  to: string;
  ticketId: string;
  holderName: string | null;
  event: TicketMailEvent;
}

/** Sends ticket mails; `close` ends its pooled SMTP connections. */
export interface TicketMailer {
  send(mail: TicketMail): Promise<void>;
  close(): void;
}

/** nodemailer over SMTP: `smtpUrl` as smtp://user:pass@host:587 (STARTTLS when offered) or smtps://…:465. */
export function smtpTicketMailer(smtpUrl: string, from: string): TicketMailer {
  // A pool: a few connections reused for a mailing's thousands of messages instead of one handshake each.
  const transport: Transporter = nodemailer.createTransport(smtpUrl, { pool: true, maxConnections: 2 } as never);
  return {
    async send(mail) {
      await transport.sendMail(await ticketMessage(mail, from));
    },
    close: () => transport.close(),
  };
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

export async function ticketMessage(mail: TicketMail, from: string): Promise<SendMailOptions> {
  const { event } = mail;
  const png = await QRCode.toBuffer(mail.ticketId, { type: 'png', errorCorrectionLevel: 'M', margin: 2, width: 360 });
  const when = event.startTime
    ? `${wallClock(new Date(event.startTime), event.timeZone).text} (${event.timeZone})`
    : null;
  const name = mail.holderName ?? '';
  const lines = [
    `Halo ${name}`.trim() + ',',
    '',
    `Ini tiket Anda untuk ${event.title}. Tunjukkan kode QR terlampir di gerbang.`,
    `Kode tiket: ${mail.ticketId}`,
    ...(when ? [`Waktu: ${when}`] : []),
    ...(event.location ? [`Tempat: ${event.location}`] : []),
    '',
    '—',
    `Your ticket for ${event.title}: show the attached QR code at the gate. Ticket code: ${mail.ticketId}.`,
  ];
  const html = [
    `<p>${escapeHtml(`Halo ${name}`.trim())},</p>`,
    `<p>Ini tiket Anda untuk <strong>${escapeHtml(event.title)}</strong>. Tunjukkan kode QR ini di gerbang.</p>`,
    `<p><img src="cid:ticket-qr" alt="QR ${escapeHtml(mail.ticketId)}" width="240" height="240"></p>`,
    `<p>Kode tiket: <strong>${escapeHtml(mail.ticketId)}</strong>`,
    when ? `<br>Waktu: ${escapeHtml(when)}` : '',
    event.location ? `<br>Tempat: ${escapeHtml(event.location)}` : '',
    '</p>',
    `<p lang="en">Your ticket for ${escapeHtml(event.title)}: show this QR code at the gate.</p>`,
  ].join('');
  return {
    from,
    to: mail.to,
    subject: `Tiket Anda: ${event.title} (${mail.ticketId})`,
    text: lines.join('\n'),
    html,
    attachments: [{ filename: `tiket-${mail.ticketId}.png`, content: png, contentType: 'image/png', cid: 'ticket-qr' }],
  };
}
