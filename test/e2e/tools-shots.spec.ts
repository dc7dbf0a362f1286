/** Not a test: saves screenshots of the session tools (English and French) under /tmp/tools-shots/ for review. */
import { expect, test } from '@playwright/test';
import { closePair, connectPair, openPair } from './fixtures.ts';
import { repView, serveDesk } from './desk-fixtures.ts';

test.skip(!process.env.PARLEY_TOOLS_SHOTS, 'screenshots only on demand (PARLEY_TOOLS_SHOTS=1)');

for (const locale of ['en-US', 'fr-FR']) {
  test(`screens ${locale}`, async ({ browser, baseURL }) => {
    const pair = await openPair(browser, baseURL!, { locale });
    const { rep, customer } = pair;
    await rep.setViewportSize({ width: 1360, height: 860 });
    await customer.setViewportSize({ width: 800, height: 900 });
    await serveDesk(rep, repView());
    if (locale === 'fr-FR') {
      await rep.goto('/rep');
      await rep.getByRole('button', { name: 'Démarrer une session' }).click();
      const code = (await rep.getByTestId('session-code').textContent())!.trim();
      await customer.goto('/');
      await customer.getByLabel(/Code de session/).fill(code);
      await customer.getByRole('button', { name: 'Rejoindre' }).click();
      await expect(rep.getByRole('button', { name: 'Proposer des choix' })).toBeEnabled();
    } else {
      await connectPair(pair);
    }
    const tag = locale.slice(0, 2);
    await rep.getByRole('button', { name: /Offer choices|Proposer des choix/ }).click();
    await rep.getByLabel(/Question/).fill('Which printer is it?');
    await rep.getByLabel(/Choices|Choix/).fill('Office laser\nHome inkjet\nSomething else');
    await rep.screenshot({ path: `/tmp/tools-shots/${tag}-rep-offer-form.png` });
    await rep.getByRole('button', { name: /Send offer|Envoyer la proposition/ }).click();
    await customer.getByRole('button', { name: 'Home inkjet' }).waitFor();
    await customer.screenshot({ path: `/tmp/tools-shots/${tag}-customer-offer.png` });
    await customer.getByRole('button', { name: 'Home inkjet' }).click();
    await rep.getByRole('button', { name: /Mark as solved|Marquer comme résolue/ }).click();
    await rep.screenshot({ path: `/tmp/tools-shots/${tag}-rep-solve-confirm.png` });
    await rep.getByRole('button', { name: /Yes, it is solved|Oui, c’est résolu/ }).click();
    await customer.getByRole('radio').first().waitFor();
    await customer.getByRole('radio').nth(3).check();
    await customer.screenshot({ path: `/tmp/tools-shots/${tag}-customer-survey.png`, fullPage: true });
    await rep.screenshot({ path: `/tmp/tools-shots/${tag}-rep-waiting.png` });
    await customer.getByRole('button', { name: /Send answers|Envoyer les réponses/ }).click();
    await rep.getByTestId('session-outcome').waitFor();
    await rep.screenshot({ path: `/tmp/tools-shots/${tag}-rep-after.png` });
    await closePair(pair);
  });
}
