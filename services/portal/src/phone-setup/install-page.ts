// The install page (GET /ca, on the HTTPS port and the plain-HTTP companion): how to install the portal's CA on Android and iOS, in Indonesian and English, with its fingerprint.
// Rendered here rather than by the web UI: a phone opens it over plain HTTP before it trusts the portal, where the app's service worker and session do not work.
import { createHash } from 'node:crypto';
import type { CaFacts, ServedCertificate } from './phone-trust.js';

/** The page's only style, allowed by its hash: no inline script, and no style from anywhere else. */
const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f5f8;color:#1b2430}
main{max-width:40rem;margin:0 auto;padding:1rem}
section{background:#fff;border-radius:.5rem;padding:1rem 1.25rem;margin:0 0 1rem;box-shadow:0 1px 2px #0002}
h1{font-size:1.4rem;margin:.25rem 0 .75rem}h2{font-size:1.15rem;margin:1.25rem 0 .5rem}
.fingerprint{font-family:ui-monospace,monospace;font-size:.9rem;overflow-wrap:anywhere;background:#eef1f5;padding:.5rem;border-radius:.25rem}
.button{display:inline-block;background:#1f3a5f;color:#fff;padding:.75rem 1.25rem;border-radius:.4rem;text-decoration:none;font-weight:600}
.note{color:#4a5565;font-size:.95rem}li{margin:.35rem 0}a{color:#1f3a5f}nav{margin:.5rem 0 1rem}`;

export const INSTALL_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`,
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export interface InstallPageFacts {
  certificate: ServedCertificate['kind'];
  /** Facts of the root, when the portal's own CA is in use. */
  ca: CaFacts | undefined;
  /** Where the phone opens TixGo once the root is installed (https://…). */
  portalUrl: string;
}

interface Words {
  lang: 'id' | 'en';
  title: string;
  intro: string;
  fingerprint: string;
  download: string;
  android: string;
  androidSteps: string[];
  ios: string;
  iosSteps: string[];
  afterwards: string;
  caution: string;
  realCertificate: string;
  proxy: string;
  open: string;
}

const ID: Words = {
  lang: 'id',
  title: 'Pasang sertifikat TixGo di ponsel gerbang',
  intro:
    'Sekali untuk setiap ponsel, tanpa internet. Setelah itu ponsel mempercayai portal ini, dan stasiun check-in tetap terbuka tanpa jaringan (mode offline).',
  fingerprint: 'Sidik jari SHA-256 sertifikat <strong>{name}</strong> — cocokkan dengan yang ditampilkan ponsel:',
  download: 'Unduh sertifikat',
  android: 'Android (Chrome)',
  androidSteps: [
    'Ketuk <strong>Unduh sertifikat</strong> di atas.',
    'Buka <strong>Setelan</strong> › <strong>Keamanan &amp; privasi</strong> › <strong>Setelan keamanan lainnya</strong> › <strong>Enkripsi &amp; kredensial</strong> › <strong>Instal sertifikat</strong> › <strong>Sertifikat CA</strong>. (Nama menu berbeda per merek: cari “sertifikat CA” di Setelan.)',
    'Ketuk <strong>Tetap instal</strong>, buka kunci ponsel, lalu pilih <strong>tixgo-ca.crt</strong> dari folder Unduhan.',
    'Tutup Chrome sepenuhnya, buka lagi, lalu buka portal: {portal}',
  ],
  ios: 'iPhone dan iPad (Safari)',
  iosSteps: [
    'Buka halaman ini di <strong>Safari</strong> (bukan Chrome) dan ketuk <strong>Unduh sertifikat</strong>; pilih <strong>Izinkan</strong> untuk mengunduh profil konfigurasi.',
    'Buka <strong>Pengaturan</strong> › <strong>Umum</strong> › <strong>VPN &amp; Manajemen Perangkat</strong> (atau <strong>Profil Diunduh</strong> di atas Pengaturan), pilih <strong>{name}</strong>, ketuk <strong>Instal</strong> dan masukkan kode sandi.',
    'Buka <strong>Pengaturan</strong> › <strong>Umum</strong> › <strong>Mengenai</strong> › <strong>Pengaturan Kepercayaan Sertifikat</strong> dan nyalakan <strong>kepercayaan penuh</strong> untuk <strong>{name}</strong>. Tanpa langkah ini Safari tetap menolak portal.',
    'Buka portal: {portal}',
  ],
  afterwards:
    'Lalu masuk, dan buka <strong>Stasiun check-in</strong> sekali selagi ada jaringan: sejak itu stasiun terbuka juga tanpa jaringan. Bila mode offline belum terpasang, stasiun mengatakannya.',
  caution:
    'Pasang hanya di ponsel panitia. Sertifikat ini dibuat oleh kotak portal ini sendiri; hapus setelah acara bila ponsel dipakai untuk keperluan lain (Android: Enkripsi &amp; kredensial › Kredensial pengguna; iOS: VPN &amp; Manajemen Perangkat).',
  realCertificate:
    'Portal ini memakai sertifikat yang sudah dipercaya ponsel (TLS_CERT_FILE): tidak ada yang perlu dipasang. Buka portal: {portal}',
  proxy:
    'Portal ini dilayani di balik proxy HTTPS yang memakai sertifikatnya sendiri: tidak ada yang perlu dipasang dari sini.',
  open: 'Buka TixGo',
};

const EN: Words = {
  lang: 'en',
  title: "Install TixGo's certificate on a gate phone",
  intro:
    'Once per phone, no internet needed. Afterwards the phone trusts this portal, and the check-in station opens without any network (offline mode).',
  fingerprint: 'SHA-256 fingerprint of the certificate <strong>{name}</strong> — compare it with what the phone shows:',
  download: 'Download the certificate',
  android: 'Android (Chrome)',
  androidSteps: [
    'Tap <strong>Download the certificate</strong> above.',
    'Open <strong>Settings</strong> › <strong>Security &amp; privacy</strong> › <strong>More security settings</strong> › <strong>Encryption &amp; credentials</strong> › <strong>Install a certificate</strong> › <strong>CA certificate</strong>. (Menus differ by brand: search Settings for “CA certificate”.)',
    'Tap <strong>Install anyway</strong>, unlock the phone, and choose <strong>tixgo-ca.crt</strong> from Downloads.',
    'Close Chrome completely, open it again, and open the portal: {portal}',
  ],
  ios: 'iPhone and iPad (Safari)',
  iosSteps: [
    'Open this page in <strong>Safari</strong> (not Chrome) and tap <strong>Download the certificate</strong>; choose <strong>Allow</strong> to download the configuration profile.',
    'Open <strong>Settings</strong> › <strong>General</strong> › <strong>VPN &amp; Device Management</strong> (or <strong>Profile Downloaded</strong> at the top of Settings), choose <strong>{name}</strong>, tap <strong>Install</strong> and enter the passcode.',
    'Open <strong>Settings</strong> › <strong>General</strong> › <strong>About</strong> › <strong>Certificate Trust Settings</strong> and turn on <strong>full trust</strong> for <strong>{name}</strong>. Without this step Safari still refuses the portal.',
    'Open the portal: {portal}',
  ],
  afterwards:
    'Then sign in and open the <strong>check-in station</strong> once while there is a network: from then on it opens without one too. When offline mode is not installed, the station says so.',
  caution:
    "Install it on the committee's phones only. This certificate was made by this portal box itself; remove it after the event if the phone is used for anything else (Android: Encryption &amp; credentials › User credentials; iOS: VPN &amp; Device Management).",
  realCertificate:
    'This portal uses a certificate phones already trust (TLS_CERT_FILE): nothing needs installing. Open the portal: {portal}',
  proxy: 'This portal is served behind an HTTPS proxy with its own certificate: nothing needs installing from here.',
  open: 'Open TixGo',
};

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

function section(words: Words, facts: InstallPageFacts): string {
  const portalLink = `<a href="${escapeHtml(facts.portalUrl)}">${escapeHtml(facts.portalUrl)}</a>`;
  const values = { portal: portalLink, name: escapeHtml(facts.ca?.name ?? '') };
  const heading = `<h1 id="${words.lang}-title">${escapeHtml(words.title)}</h1>`;
  if (facts.certificate !== 'own-ca' || facts.ca === undefined) {
    const text = facts.certificate === 'proxy' ? words.proxy : words.realCertificate;
    return `<section lang="${words.lang}" aria-labelledby="${words.lang}-title">${heading}
<p>${fill(text, values)}</p></section>`;
  }
  const steps = (list: string[]) => `<ol>${list.map((step) => `<li>${fill(step, values)}</li>`).join('')}</ol>`;
  return `<section lang="${words.lang}" aria-labelledby="${words.lang}-title">${heading}
<p>${escapeHtml(words.intro)}</p>
<p>${fill(words.fingerprint, values)}</p>
<p class="fingerprint" data-testid="ca-fingerprint">${escapeHtml(facts.ca.fingerprint)}</p>
<p><a class="button" href="/ca.crt">${escapeHtml(words.download)}</a></p>
<h2>${escapeHtml(words.android)}</h2>${steps(words.androidSteps)}
<h2>${escapeHtml(words.ios)}</h2>${steps(words.iosSteps)}
<p>${words.afterwards}</p>
<p><a href="${escapeHtml(facts.portalUrl)}">${escapeHtml(words.open)}</a></p>
<p class="note">${words.caution}</p></section>`;
}

/** The whole page: Indonesian first (the UI's default), then English. */
export function renderInstallPage(facts: InstallPageFacts): string {
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>TixGo — ${escapeHtml(ID.title)} / ${escapeHtml(EN.title)}</title>
<style>${STYLE}</style></head>
<body><main>
<nav><a href="#en-title" lang="en">English below</a></nav>
${section(ID, facts)}
${section(EN, facts)}
</main></body></html>`;
}
