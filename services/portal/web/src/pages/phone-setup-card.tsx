// The dashboard's "gate phones" card (admins): a QR code of the certificate install page, for setting phones up without internet.
import { useEffect, useState } from 'preact/hooks';
import { endpoints, type PhoneSetup } from '../api/endpoints.js';
import { t } from '../i18n/index.js';
import { Banner, ErrorBanner, Loading } from '../ui/widgets.js';

/** The address this browser used, when phones can use it too; else the portal's first LAN address. */
function preferredUrl(urls: string[]): string | undefined {
  return urls.find((url) => new URL(url).hostname.replace(/^\[|\]$/g, '') === location.hostname) ?? urls[0];
}

function QrCode({ url }: { url: string }) {
  const [svg, setSvg] = useState<string | undefined>(undefined);
  useEffect(() => {
    let current = true;
    // The QR library loads with the card only (an admin's dashboard), never with the station.
    void import('qrcode')
      .then((QRCode) => QRCode.toString(url, { type: 'svg', margin: 2, errorCorrectionLevel: 'M' }))
      .then((made) => {
        if (current) setSvg(made);
      });
    return () => {
      current = false;
    };
  }, [url]);
  if (!svg) return <Loading />;
  // The SVG comes from the qrcode library (paths only; the URL is data inside it).
  return (
    <div
      class="phone-qr"
      role="img"
      aria-label={t('phones.qrLabel', { url })}
      data-testid="phone-setup-qr"
      dangerouslySetInnerHTML={{ __html: svg }}
    />
  );
}

function SetupDetails({ setup }: { setup: PhoneSetup }) {
  const own = setup.certificate === 'own-ca';
  const urls = own ? setup.install_urls : setup.portal_urls;
  const [chosen, setChosen] = useState(() => preferredUrl(urls));
  if (setup.certificate === 'proxy') return <p>{t('phones.proxy')}</p>;
  return (
    <>
      {!setup.reachable_from_network && <Banner kind="warning">{t('phones.loopbackOnly')}</Banner>}
      <p>{own ? t('phones.introOwnCa') : t('phones.introRealCertificate')}</p>
      {chosen && (
        <div class="phone-setup-code">
          <QrCode url={chosen} />
          <p>
            <a href={chosen} data-testid="phone-setup-url">
              {chosen}
            </a>
          </p>
          {urls.length > 1 && (
            <p>
              <label for="phone-setup-address">{t('phones.address')}</label>{' '}
              <select
                id="phone-setup-address"
                value={chosen}
                onChange={(changed) => setChosen(changed.currentTarget.value)}
              >
                {urls.map((url) => (
                  <option key={url} value={url}>
                    {new URL(url).host}
                  </option>
                ))}
              </select>
            </p>
          )}
        </div>
      )}
      {own && setup.ca_fingerprint_sha256 && (
        <p class="muted">
          {t('phones.fingerprint', { name: setup.ca_name ?? '' })}{' '}
          <code class="fingerprint" data-testid="phone-setup-fingerprint">
            {setup.ca_fingerprint_sha256}
          </code>
        </p>
      )}
    </>
  );
}

/** Closed at first (the dashboard is about the events); asks the portal only when opened. */
export function PhoneSetupCard() {
  const [open, setOpen] = useState(false);
  const [setup, setSetup] = useState<PhoneSetup | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const load = () => {
    setError(undefined);
    endpoints.phoneSetup().then(setSetup, setError);
  };
  return (
    <details
      class="card phone-setup"
      data-testid="phone-setup"
      onToggle={(toggled) => {
        const isOpen = toggled.currentTarget.open;
        setOpen(isOpen);
        if (isOpen && !setup) load();
      }}
    >
      <summary>
        <h2>{t('phones.title')}</h2>
      </summary>
      {open && error !== undefined && <ErrorBanner error={error} retry={load} />}
      {open && setup === undefined && error === undefined && <Loading />}
      {open && setup && <SetupDetails setup={setup} />}
    </details>
  );
}
