// Sending the tickets by e-mail from the admin's ticket page, in Chromium, through a real SMTP server the test
// starts: the progress, each refused address named, and those sent again with one click (issue 17 item 14).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SmtpTestServer, startSmtpTestServer } from '../../../attendance/test/support/smtp-test-server.js';
import { login } from '../support/stack.js';
import {
  expectAccessible,
  hasChromium,
  openPage,
  overflowsHorizontally,
  reportSkippedWithoutChromium,
  signIn,
  useUiStack,
} from './support/browser.js';
import { seedEvent } from './support/station-steps.js';

describe.runIf(hasChromium)('tickets sent by e-mail (Chromium)', () => {
  let smtp: SmtpTestServer;
  // Started before the services, which are told its address.
  beforeAll(async () => {
    smtp = await startSmtpTestServer();
  });
  afterAll(async () => {
    await smtp?.close();
  });
  const stack = useUiStack({ attendanceEnv: () => ({ SMTP_URL: smtp.url }) });

  it.each([
    ['id', { width: 360, height: 740 }, 'mail-id'],
    ['en', { width: 1280, height: 800 }, 'mail-en'],
  ])(
    'sends each holder their ticket, names a refused address and sends it again (%s)',
    async (language, viewport, id) => {
      const admin = await login(stack.identity.url, 'admin1');
      await seedEvent(stack.portal.url, admin, { id, title: `Mail ${language}` }, [
        { ticket_id: `${id}-1`, holder_name: 'Rina', holder_email: `rina-${language}@example.test` },
        { ticket_id: `${id}-2`, holder_name: 'Dodi', holder_email: `bounce-${language}@example.test` },
        { ticket_id: `${id}-3`, holder_name: 'Tanpa Surel' },
      ]);
      smtp.refuse.add(`bounce-${language}@example.test`);
      const { page, context, problems } = await openPage(stack, {
        viewport,
        isMobile: viewport.width < 400,
        locale: language === 'en' ? 'en-US' : 'id-ID',
      });
      await signIn(page, stack.portal.url, 'admin1');
      if (language === 'en') {
        await page.evaluate(() => localStorage.setItem('tixgo.language', 'en'));
      }
      await page.goto(`${stack.portal.url}/admin/events/${id}/tickets`);
      const card = page.getByTestId('ticket-mailing');
      const words =
        language === 'en'
          ? {
              send: 'Send the tickets by e-mail',
              done: /^1 of 2 sent/,
              failed: '1 address could not be sent to:',
              retry: 'Send it again',
              again: /^1 of 1 sent/,
            }
          : {
              send: 'Kirim tiket lewat e-mail',
              done: /^1 dari 2 terkirim/,
              failed: '1 alamat tidak dapat dikirimi:',
              retry: 'Kirim ulang 1 ini',
              again: /^1 dari 1 terkirim/,
            };
      await card.getByRole('button', { name: words.send }).click();
      const status = card.getByRole('status');
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(words.done);
      expect(await card.getByRole('alert').or(card.locator('.banner')).first().textContent()).toContain(words.failed);
      expect(await card.getByTestId('mailing-failed').textContent()).toContain(`bounce-${language}@example.test`);
      expect(await overflowsHorizontally(page)).toBe(false);
      await expectAccessible(page);
      expect(smtp.received.filter((mail) => mail.to[0] === `rina-${language}@example.test`)).toHaveLength(1);

      // The address works again: one click sends the failed one only.
      smtp.refuse.delete(`bounce-${language}@example.test`);
      await card.getByRole('button', { name: words.retry }).click();
      await expect.poll(() => status.textContent(), { timeout: 20_000 }).toMatch(words.again);
      expect(smtp.received.filter((mail) => mail.to[0] === `bounce-${language}@example.test`)).toHaveLength(1);
      expect(smtp.received.filter((mail) => mail.to[0] === `rina-${language}@example.test`)).toHaveLength(1);
      expect(problems).toEqual([]);
      await context.close();
    },
  );
});

reportSkippedWithoutChromium();
