// The officers' page in a real browser (headless Chromium): from an empty form to a printed
// two-day itinerary, plus examples, the error path, the English switch, the base library, staff
// sign-in and sign-out, the outbound-route library, the survey intake (import, review, progress)
// and the visit records (confirm, record the outcome).
//
//   node plan.test.mjs http://127.0.0.1:PORT [ARTIFACT_DIR] [OFFICER_USERNAME OFFICER_PASSWORD [APPROVER_USERNAME]]
//
// The approver's account shares the officer's password.
//
// Exits non-zero on the first failed check; saves screenshots of the plan and the library.
import { chromium } from 'playwright-core';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';

const base = process.argv[2];
const artifacts = process.argv[3] || 'artifacts';
const username = process.argv[4];
const password = process.argv[5];
const token = username && password;
const approverName = process.argv[6];
assert.ok(base && /^http:\/\/(127\.0\.0\.1|localhost):\d+$/.test(base), 'pass the server URL on 127.0.0.1');
mkdirSync(artifacts, { recursive: true });

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
const context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, locale: 'zh-CN' });
const page = await context.newPage();
const external = [];
page.on('request', request => { if (!request.url().startsWith(base) && !request.url().startsWith('blob:') && !request.url().startsWith('data:')) external.push(request.url()); });
const consoleErrors = [];
page.on('console', message => { if (message.type() === 'error') consoleErrors.push(message.text()); });
page.on('pageerror', error => consoleErrors.push(String(error)));
const step = async (name, run) => {
  try { await run(); console.log(`ok - ${name}`); }
  catch (error) {
    await page.screenshot({ path: `${artifacts}/failure.png`, fullPage: true }).catch(() => {});
    console.error(`not ok - ${name}\n${error.stack || error}`);
    await browser.close();
    process.exit(1);
  }
};

await step('the page opens in Chinese with every control labelled', async () => {
  await page.goto(base + '/');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal((await page.locator('h1').textContent()).trim(), '来访代表团 基地匹配与线路规划');
  await page.locator('#hotel option').first().waitFor({ state: 'attached' });
  // Every input, select and textarea has a label naming it.
  const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input, select, textarea')]
    .filter(node => !node.labels || node.labels.length === 0).map(node => node.id));
  assert.deepEqual(unlabelled, []);
});

await step('an example profile fills the form', async () => {
  await page.selectOption('#example', 'prato_fashion_it');
  assert.equal(await page.inputValue('#country'), 'IT');
  assert.match(await page.inputValue('#interests'), /Prato/);
  // Back to an empty form: the rest of the test types everything in, as an officer would.
  await page.reload();
  await page.locator('#hotel option').first().waitFor({ state: 'attached' });
  assert.equal(await page.inputValue('#interests'), '');
});

await step('a wrong value is explained next to its field', async () => {
  await page.fill('#country', 'IT');
  await page.fill('#city', 'Prato');
  await page.selectOption('#organisation_type', 'business_association');
  await page.fill('#size', '0');
  await page.selectOption('#hotel', 'lucheng');
  await page.fill('#interests', 'Italian footwear and fashion companies looking for manufacturing partners and smart factories');
  await page.fill('#industries_sought', 'footwear, garments');
  await page.fill('#languages', 'it, en');
  await page.click('#find');
  const error = page.locator('#err-size');
  await error.waitFor({ state: 'visible' });
  assert.match(await error.textContent(), /人数/);
  assert.equal(await page.locator('#size').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement.id), 'size', 'focus moves to the field at fault');
});

let pinned, excluded;
await step('the typed-in profile is matched: ranked bases with reasons and a score breakdown', async () => {
  await page.fill('#size', '12');
  await page.fill('#start_date', '2026-12-07');
  await page.fill('#days', '2');
  // Keyboard only: the find button is reached and pressed without the mouse.
  await page.focus('#find');
  await page.keyboard.press('Enter');
  await page.locator('.match-item').nth(9).waitFor();
  assert.equal(await page.locator('#err-size').isHidden(), true, 'the old error is cleared');
  const items = page.locator('.match-item');
  assert.ok(await items.count() >= 10);
  assert.ok((await items.first().locator('.reason').textContent()).trim().length > 5, 'a reason is shown');
  await items.first().locator('summary').click();
  assert.ok(await items.first().locator('.breakdown li').count() >= 5, 'the score breakdown lists the features');
  pinned = await items.nth(6).getAttribute('data-base');
  excluded = await items.nth(0).getAttribute('data-base');
  await items.nth(6).locator('input.pin').check();
  await page.locator(`.match-item[data-base="${excluded}"] input.exclude`).check();
});

await step('planning gives a two-day timeline with the pinned base and without the excluded one', async () => {
  await page.fill('#day_end', '17:00');
  await page.click('#plan');
  await page.locator('.day').nth(1).waitFor();
  assert.equal(await page.locator('.day').count(), 2);
  assert.ok(await page.locator('.day').first().locator('.event.visit').count() >= 1);
  assert.ok(await page.locator(`.event.visit[data-base="${pinned}"]`).count() === 1, 'the pinned base is visited');
  assert.equal(await page.locator(`.event.visit[data-base="${excluded}"]`).count(), 0, 'the excluded base is not');
  const lastEnds = await page.locator('.day .event .time').evaluateAll(nodes => nodes.map(n => n.textContent.split('–')[1]));
  assert.ok(lastEnds.every(end => end <= '17:00' || end >= '18:00'), `the day ends by 17:00: ${lastEnds}`);
});

await step('the map draws every division and one route per day through the visits', async () => {
  assert.ok(await page.locator('#map path.division').count() >= 11);
  assert.equal(await page.locator('#map polyline.route').count(), 2);
  const visits = await page.locator('.event.visit').count();
  assert.equal(await page.locator('#map circle.stop').count(), visits);
  const points = await page.locator('#map polyline.route').first().getAttribute('points');
  assert.ok(points.split(' ').length >= 3, 'the route has a hotel and visits');
  // A legend per day names the numbered stops in the timeline's order; each stop has a tooltip.
  for (const [index, day] of (await page.locator('.day').all()).entries()) {
    const titles = await day.locator('.event.visit span:nth-child(2)').allTextContents();
    const legend = await page.locator(`.legend-day[data-day="${index + 1}"] .legend-stops li:not(.legend-appointment)`).allTextContents();
    assert.equal(legend.length, titles.length);
    legend.forEach((entry, n) => assert.ok(titles[n].includes(entry.split(' ')[0]), `${entry} / ${titles[n]}`));
  }
  assert.ok((await page.locator('#map g.stop-mark title').first().textContent()).includes('1.'));
  assert.ok(await page.locator('#map g.hotel-mark').count() >= 1, 'the hotel is on the map');
  // The scale bar measures the map: the distance between two stops on screen, in the bar's
  // kilometres, is their great-circle distance.
  const check = await page.evaluate(() => {
    const visits = state.lastPlan.days.flatMap(day => day.events.filter(e => e.kind === 'visit'));
    const [a, b] = visits;
    const rad = d => d * Math.PI / 180;
    const h = Math.sin(rad(b.lat - a.lat) / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(rad(b.lon - a.lon) / 2) ** 2;
    const km = 2 * 6371.0 * Math.asin(Math.sqrt(h));
    const circles = [...document.querySelectorAll('#map circle.stop')];
    const [p, q] = circles.slice(0, 2).map(c => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))]);
    const bar = document.querySelector('#map g.scale-bar');
    const d = bar.querySelector('path').getAttribute('d').match(/[-\d.]+/g).map(Number);
    const barPixels = d[4] - d[0];
    return { km, pixels: Math.hypot(q[0] - p[0], q[1] - p[1]), barKm: Number(bar.dataset.km), barPixels, label: bar.textContent };
  });
  const measured = check.pixels / check.barPixels * check.barKm;
  assert.ok(Math.abs(measured - check.km) <= 0.03 * check.km + 0.05, JSON.stringify({ measured, ...check }));
  assert.ok(check.label.includes(String(check.barKm)), check.label);
  await page.screenshot({ path: `${artifacts}/plan.png`, fullPage: true });
});

await step('the print view opens as a page with one day per sheet', async () => {
  const [printView] = await Promise.all([context.waitForEvent('page'), page.click('#print')]);
  await printView.waitForLoadState();
  const text = await printView.locator('body').textContent();
  assert.match(text, /第1天|Day 1/);
  assert.match(text, /陪同人员/);
  await printView.pdf({ path: `${artifacts}/itinerary.pdf`, format: 'A4' });
  await printView.close();
});

await step('the schedule takes an escort, a meeting and a banquet, shown on the timeline, the map and the print view', async () => {
  await page.fill('#escort', '市外办 王科长');
  await page.click('#add-appointment');
  await page.fill('#appt-1-title', '市政府会见');
  await page.fill('#appt-1-day', '5');
  await page.click('#plan');
  // A meeting on a day the visit does not have is explained next to the meetings.
  await page.locator('#err-appointments').waitFor({ state: 'visible' });
  await page.fill('#appt-1-day', '1');
  await page.fill('#appt-1-start', '10:00');
  await page.check('#banquet_on');
  await page.click('#plan');
  await page.locator('.day').first().locator('.event.appointment').waitFor();
  assert.equal(await page.locator('.day').first().locator('.event.banquet').count(), 1);
  assert.match(await page.locator('.day').first().locator('.event.appointment').textContent(), /10:00–11:00.*市政府会见/);
  assert.equal(await page.locator('#map g.stop-mark.appointment').count(), 1, 'the meeting place is on the map');
  assert.match(await page.locator('.legend-day[data-day="1"]').textContent(), /◆.*市政府会见/);
  const [printView] = await Promise.all([context.waitForEvent('page'), page.click('#print')]);
  await printView.waitForLoadState();
  const text = await printView.locator('body').textContent();
  assert.match(text, /王科长/);
  assert.match(text, /市政府会见/);
  await printView.close();
});

await step('calendar and table exports download', async () => {
  const [calendar] = await Promise.all([page.waitForEvent('download'), page.click('#ics')]);
  assert.equal(calendar.suggestedFilename(), 'itinerary.ics');
  const [table] = await Promise.all([page.waitForEvent('download'), page.click('#csv')]);
  assert.equal(table.suggestedFilename(), 'itinerary.csv');
});

await step('the page switches to English', async () => {
  await page.click('#lang');
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  assert.equal((await page.locator('#find').textContent()).trim(), 'Find bases');
  assert.match(await page.locator('.day h3').first().textContent(), /^Day 1/);
});

await step('the base library searches with filters and shows a base', async () => {
  await page.click('#tab-library');
  await page.fill('#q', 'footwear');
  await page.selectOption('#f-division', 'lucheng');
  await page.click('#library-form button[type=submit]');
  await page.locator('#hits li').first().waitFor();
  await page.locator('#hits button').first().click();
  await page.locator('#detail').waitFor({ state: 'visible' });
  assert.match(await page.locator('#detail-fields').textContent(), /Main needs/);
  await page.screenshot({ path: `${artifacts}/library.png`, fullPage: true });
  // A bad filter value is explained next to its field.
  await page.fill('#f-group', '0');
  await page.click('#library-form button[type=submit]');
  await page.locator('#err-group_size').waitFor({ state: 'visible' });
});

// Signs in from the header; the name and role show where the form was.
async function signIn(who = username) {
  await page.fill('#s-username', who);
  await page.fill('#s-password', password);
  await page.click('#signin-form button[type=submit]');
  await page.locator('#who').filter({ hasText: who }).waitFor();
}

// Signs whoever is signed in out, and `who` in.
async function signInAs(who) {
  if (await page.locator('#sign-out').isVisible()) {
    await page.click('#sign-out');
    await page.locator('#signin-form').waitFor({ state: 'visible' });
  }
  await signIn(who);
}

await step('signing in shows restricted bases and saves visits; a wrong password and signing out are explained', async () => {
  if (!token) { console.log('# skipped: no staff account given'); return; }
  await page.click('#tab-library');
  await page.fill('#f-group', '');
  // Empty fields and a wrong password are explained next to their fields.
  await page.click('#signin-form button[type=submit]');
  await page.locator('#err-s-username').filter({ hasText: 'Enter your username' }).waitFor();
  await page.fill('#s-username', username);
  await page.fill('#s-password', 'not the password at all');
  await page.click('#signin-form button[type=submit]');
  await page.locator('#err-s-password').filter({ hasText: 'wrong' }).waitFor();
  assert.equal(await page.locator('#s-password').getAttribute('aria-invalid'), 'true');
  await signIn();
  assert.match(await page.locator('#who').textContent(), /protocol officer/);
  // The session cookie is out of the page's reach.
  assert.equal(await page.evaluate(() => document.cookie.includes('vm_session')), false, 'the cookie is HttpOnly');
  const cookie = (await context.cookies()).find(c => c.name === 'vm_session');
  assert.ok(cookie && cookie.httpOnly && cookie.sameSite === 'Strict', JSON.stringify(cookie));
  await page.fill('#q', '');
  await page.selectOption('#f-division', 'wz_hitech');
  await page.click('#library-form button[type=submit]');
  await page.locator('#hits button[data-base="wz-hitech-014"]').click();
  const text = await page.locator('#detail-fields').textContent();
  assert.match(text, /Not open to foreign visitors/);
  // Signed in, the plan is saved as a visit record (a change: it carries the CSRF token).
  await page.click('#tab-plan');
  await page.click('#save-visit');
  await page.locator('#save-status').filter({ hasText: /visit-\d{6}/ }).waitFor();
  // A reload keeps the session; signing out ends it, and saving then asks to sign in.
  await page.reload();
  await page.locator('#who').filter({ hasText: username }).waitFor();
  await page.click('#lang');  // a reload opens the page in Chinese again
  await page.click('#sign-out');
  await page.locator('#signin-form').waitFor({ state: 'visible' });
  assert.equal((await context.cookies()).some(c => c.name === 'vm_session' && c.value), false, 'the cookie is cleared');
  // A browser still holding an ended session's cookie opens the page as anyone would.
  await context.addCookies([{ name: 'vm_session', value: `vms_${'0'.repeat(64)}`, url: base }]);
  await page.reload();
  await page.locator('#signin-form').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelectorAll('#hotel option').length > 5);
  assert.equal((await context.cookies()).some(c => c.name === 'vm_session' && c.value), false, 'the ended cookie is cleared');
  await page.click('#lang');  // the reload opened the page in Chinese again
  await page.selectOption('#example', { index: 1 });
  await page.click('#profile-form button[type=submit]');
  await page.locator('.match-item').first().waitFor();
  await page.click('#plan');
  await page.locator('.day').first().waitFor();
  await page.click('#save-visit');
  await page.locator('#save-status').filter({ hasText: /sign in/ }).waitFor();
  await signIn();
});

await step('an officer adds a base in the form, edits it, meets a concurrent change, suspends and reactivates it', async () => {
  if (!token) { console.log('# skipped: no staff account given'); return; }
  await page.click('#tab-library');
  await page.click('#new-base');
  await page.fill('#b-id', 'browser-form-001');
  await page.fill('#b-name_zh', '浏览器表单测试馆');
  await page.selectOption('#b-kind', 'cultural_site');
  await page.fill('#b-industries', '鞋业');
  await page.fill('#b-address_zh', '温州市鹿城区表单路1号');
  await page.fill('#b-description_zh', '表单测试用。');
  await page.fill('#b-opening_hours', '周二至周日 9:00-16:30');
  // Latitude and longitude left out: the errors stand next to those fields, nothing is saved.
  await page.click('#base-form button[type=submit]');
  await page.locator('#err-b-lat').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#b-lat').getAttribute('aria-invalid'), 'true');
  await page.fill('#b-lat', '28.02');
  await page.fill('#b-lon', '120.66');
  await page.click('#base-form button[type=submit]');
  await page.locator('#status-result').filter({ hasText: 'Added: 浏览器表单测试馆' }).waitFor();
  assert.match(await page.locator('#detail-fields').textContent(), /Cultural site/);
  // Someone else saves the base while the form is open: the save is refused in plain words.
  await page.click('#edit-base');
  await page.fill('#b-max_group_size', '25');
  const other = await page.evaluate(async () => {
    const response = await fetch('/v1/bases/browser-form-001', {
      method: 'PATCH', body: JSON.stringify({ visit_minutes: 45 }),
      headers: { 'content-type': 'application/merge-patch+json', 'if-match': '*', 'x-csrf-token': state.session.csrf_token },
    });
    return response.status;
  });
  assert.equal(other, 200);
  await page.click('#base-form button[type=submit]');
  await page.locator('#base-error').filter({ hasText: 'someone else changed' }).waitFor();
  await page.click('#base-reload');
  // The reload shows the other change (and clears the conflict).
  await page.waitForFunction(() => document.getElementById('b-visit_minutes').value === '45');
  await page.locator('#base-error').waitFor({ state: 'hidden' });
  await page.fill('#b-max_group_size', '25');
  await page.click('#base-form button[type=submit]');
  await page.locator('#status-result').filter({ hasText: 'Saved: 浏览器表单测试馆' }).waitFor();
  assert.match(await page.locator('#detail-fields').textContent(), /25/);
  // Suspending needs a note; then the base can be reactivated.
  await page.click('#suspend-base');
  await page.locator('#err-status-note').waitFor({ state: 'visible' });
  await page.fill('#status-note', '装修停业');
  await page.click('#suspend-base');
  await page.locator('#status-result').filter({ hasText: 'Suspended' }).waitFor();
  assert.ok(await page.locator('#reactivate-base').isVisible());
  await page.click('#reactivate-base');
  await page.locator('#status-result').filter({ hasText: 'Active' }).waitFor();
  await page.screenshot({ path: `${artifacts}/base-form.png`, fullPage: true });
});

await step('the outbound-route library suggests Italy for European design talent and checks a trip', async () => {
  await page.click('#tab-outbound');
  await page.fill('#o-needs', 'Our footwear bases need European design talent');
  await page.click('#outbound-form button[type=submit]');
  await page.locator('.route-item').first().waitFor();
  assert.equal(await page.locator('.route-item').first().getAttribute('data-route'), 'fsm-it-footwear-design');
  assert.ok(await page.locator('.route-item').first().locator('li[data-base]').count() >= 2, 'bases served and to promote are listed');
  assert.match(await page.locator('.route-item .reason').first().textContent(), /Prato/);
  await page.locator('.route-item').first().locator('button.check-route').click();
  assert.equal(await page.evaluate(() => document.activeElement.id), 't-days');
  await page.fill('#t-days', '0');
  await page.click('#trip-form button[type=submit]');
  await page.locator('#err-t-days').waitFor({ state: 'visible' });
  await page.fill('#t-days', '9');
  await page.fill('#t-members', '8');
  await page.click('#trip-form button[type=submit]');
  await page.locator('#trip-panel').waitFor({ state: 'visible' });
  const flags = await page.locator('#trip-flags li').evaluateAll(nodes => nodes.map(n => n.dataset.flag));
  assert.deepEqual(flags, ['days_over_rule', 'days_over_tasks', 'members_over_rule', 'members_over_tasks']);
  assert.match(await page.locator('#trip-summary').textContent(), /出访申请摘要/);
  await page.screenshot({ path: `${artifacts}/outbound.png`, fullPage: true });
});

await step('an officer edits an outbound route: errors next to the stop, the trip check on the edited stops, saved', async () => {
  if (!token) { console.log('# skipped: no staff account given'); return; }
  const first = page.locator('.route-item').first();
  const id = await first.getAttribute('data-route');
  await first.locator('button.edit-route').click();
  await page.locator('#route-form').waitFor({ state: 'visible' });
  const stops = await page.locator('#route-stops > li').count();
  assert.ok(stops >= 2, `${stops} stops`);
  // A stop of 0 days is refused next to that stop's days.
  await page.fill('#r-stops-1-days', '0');
  await page.click('#route-form button[type=submit]');
  await page.locator('#err-r-stops-1-days').waitFor({ state: 'visible' });
  await page.fill('#r-stops-1-days', '4');
  const lengthened = await page.inputValue('#r-stops-1-city');
  // The last stop serves no task any more: the trip check says so.
  const last = page.locator('#route-stops > li').last();
  for (const box of await last.locator('[data-task]').all()) await box.uncheck();
  await page.click('#route-check');
  await page.locator('#route-flags li[data-flag="stop_without_task"]').waitFor();
  // The library keeps no stop without a task: saving says so next to that stop's tasks.
  await page.click('#route-form button[type=submit]');
  await page.locator(`#err-r-stops-${stops - 1}-tasks`).waitFor({ state: 'visible' });
  // One task again, the stop moved up, saved: the library has the new order.
  const task = await last.locator('[data-task]').first().getAttribute('data-task');
  await last.locator('[data-task]').first().check();
  const city = await last.locator('[data-field="city"]').inputValue();
  await last.locator('button', { hasText: 'Up' }).click();
  await page.click('#route-form button[type=submit]');
  await page.locator('#route-status').filter({ hasText: 'Saved the route' }).waitFor();
  const saved = await page.evaluate(async route => (await (await fetch(`/v1/outbound-routes/${route}`)).json()).route, id);
  assert.equal(saved.stops[stops - 2].city, city, 'the moved stop is one place earlier');
  assert.deepEqual(saved.stops[stops - 2].tasks, [task]);
  assert.equal(saved.stops.find(stop => stop.city === lengthened).days, 4);
});

await step('a survey return is checked, its unknown label mapped, imported as a candidate, reviewed and counted', async () => {
  if (!token) { console.log('# skipped: no staff account given'); return; }
  await page.click('#tab-intake');
  // As a division sends it: Chinese headers and labels, one industry label the taxonomy does not know.
  const csv = '基地名称,类型,产业类型,所在地区,地址,纬度,经度,简介,参观时长（分钟）,开放时间,最大接待人数,讲解语言\n'
    + '浏览器测试鞋材厂,企业,鞋材,鹿城区,温州市鹿城区浏览器路1号,28.01,120.65,测试用。,60,周一至周五 9:00-17:00,30,中文\n'
    // The same enterprise as a base of the library, sent in again under another address.
    + '宏鼎鞋业集团有限公司,企业,鞋业,鹿城区,温州市鹿城区另一路8号,28.02,120.66,重复报送。,60,周一至周五 9:00-17:00,30,中文\n';
  await page.setInputFiles('#i-file', { name: '鹿城区排摸.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
  await page.selectOption('#i-submitted_by', 'lucheng');
  await page.click('#import-form button[type=submit]');
  await page.locator('#labels-panel').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#labels-table select[data-label="鞋材"]').inputValue(), 'footwear', 'the proposal is preselected');
  assert.ok(await page.locator('#i-confirm').isDisabled(), 'nothing to confirm while a problem is open');
  await page.click('#import-form button[type=submit]');
  await page.locator('#preview-summary li').filter({ hasText: /Would add 2 \(Candidate\)/ }).waitFor();
  await page.click('#i-confirm');
  await page.locator('#import-status').filter({ hasText: /Imported: 2 added/ }).waitFor();
  // The repeated enterprise stands side by side with the library's base, equal rows marked.
  const repeated = page.locator('#queue li', { hasText: '温州市鹿城区另一路8号' });
  await repeated.waitFor();
  const table = repeated.locator('table.duplicates').first();
  assert.match(await table.locator('caption').textContent(), /same name/);
  assert.deepEqual(await table.locator('tr.same th').allTextContents(), ['Name', 'Division', 'Kind']);
  assert.match(await table.locator('tbody tr').first().textContent(), /^Id.*lucheng-001/);
  // The review queue: rejecting needs a reason, shown next to the note; approving enters the library.
  const item = page.locator('#queue li', { hasText: '浏览器测试鞋材厂' });
  await item.waitFor();
  await item.locator('button', { hasText: 'Reject' }).click();
  await item.locator('.field-error').waitFor({ state: 'visible' });
  assert.match(await item.locator('.field-error').textContent(), /say why/);
  await item.locator('button', { hasText: 'Approve' }).click();
  await page.locator('#queue-status').filter({ hasText: '浏览器测试鞋材厂: Active' }).waitFor();
  await page.click('#survey-load');
  await page.locator('#survey-table').waitFor({ state: 'visible' });
  const cells = await page.locator('#survey-table tbody tr', { hasText: 'Lucheng District' }).first().locator('td').allTextContents();
  assert.ok(Number(cells[1]) > 0, `Lucheng has active bases: ${cells}`);
  await page.screenshot({ path: `${artifacts}/intake.png`, fullPage: true });
});

await step('the visit saved from the plan is confirmed, then completed with its outcome, from the page', async () => {
  if (!token) { console.log('# skipped: no staff account given'); return; }
  await page.click('#tab-visits');
  await page.click('#visits-form button[type=submit]');
  const planned = page.locator('#visits li[data-status="planned"]').first();
  await planned.waitFor();
  const id = await planned.getAttribute('data-visit');
  await planned.locator('button', { hasText: 'Confirm' }).click();
  const confirmed = page.locator(`#visits li[data-visit="${id}"][data-status="confirmed"]`);
  await confirmed.waitFor();
  await confirmed.locator('button', { hasText: 'Record the outcome' }).click();
  await confirmed.locator('fieldset input[type=checkbox]').first().check();
  await confirmed.locator(`#v_satisfaction-${id}`).selectOption('5');
  await confirmed.locator(`#v_agreements-${id}`).fill('2');
  await confirmed.locator('button', { hasText: 'Save the outcome' }).click();
  const completed = page.locator(`#visits li[data-visit="${id}"][data-status="completed"]`);
  await completed.waitFor();
  assert.match(await completed.textContent(), /Satisfaction \(1–5\) 5 · Agreements signed 2/);
});

await step('the Chinese page shows labels, not codes, in a base and in the plan', async () => {
  await page.click('#lang');
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  await page.click('#tab-library');
  await page.fill('#q', '鞋');
  await page.selectOption('#f-division', '');
  await page.click('#library-form button[type=submit]');
  await page.locator('#hits button[data-base]').first().click();
  const detail = await page.locator('#detail-fields').textContent();
  assert.doesNotMatch(detail, /enterprise|industrial_park|footwear|leather|allowed|forbidden|\b(zh|en|it)\b/, detail);
  assert.match(detail, /企业|产业园区/);
  const kinds = await page.locator('#f-kind option').allTextContents();
  assert.ok(kinds.includes('文化场馆') && !kinds.some(k => k.includes('_')), kinds.join(','));
  await page.click('#tab-plan');
  const breakdown = await page.locator('.breakdown li').allTextContents();
  assert.ok(breakdown.length > 0 && breakdown.every(line => !/[a-z_]{4,}:/.test(line) && /^[\u4e00-\u9fff]+（\d\.\d{3}）：[\u4e00-\u9fff“]/.test(line)), breakdown.join('\n'));
  // Where diversity moved a base, the item and the list say so.
  const moved = await page.locator('.match-item .moved').count();
  assert.equal(await page.locator('#diversity-note').isVisible(), moved > 0, `${moved} moved`);
  if (moved) assert.match(await page.locator('.match-item .moved').first().textContent(), /多样性调整：按分数排第 \d+/);
  const leftOut = await page.locator('#left-out li').allTextContents();
  assert.ok(leftOut.every(line => !/— [a-z_]+:/.test(line)), leftOut.join('\n'));
});

await step('a delegation that has seen enough factories leaves enterprises and parks out, by label', async () => {
  await page.click('#tab-plan');
  await page.fill('#avoid_kinds', '火星基地');
  await page.click('#find');
  await page.locator('#err-avoid_kinds').waitFor({ state: 'visible' });
  await page.fill('#avoid_kinds', '企业、产业园区');
  await page.click('#find');
  await page.locator('#err-avoid_kinds').waitFor({ state: 'hidden' });
  // The new list has no enterprise or park (the one before had: the Prato profile's first bases are enterprises).
  await page.waitForFunction(() => {
    const items = [...document.querySelectorAll('.match-item')];
    return items.length > 0 && items.every(item => !['enterprise', 'industrial_park'].includes(item.dataset.kind));
  });
  await page.fill('#avoid_kinds', '');
});

await step('a halal delegation over National Day: the holiday is marked, meals are at halal venues, allergies on the checklist', async () => {
  // Wednesday 7 October 2026 is the last day of the National Day holiday; the 8th is a working day.
  await page.fill('#start_date', '2026-10-07');
  await page.fill('#days', '2');
  await page.fill('#dietary_needs', '清真');
  await page.fill('#allergies', '一位成员对花生过敏');
  await page.click('#plan');
  await page.locator('.day .holiday').first().waitFor();
  assert.match(await page.locator('.day').first().locator('.holiday').textContent(), /国庆节/);
  assert.equal(await page.locator('.day').nth(1).locator('.holiday').count(), 0, '8 October is an ordinary day');
  const lunches = await page.locator('.event.lunch').allTextContents();
  assert.ok(lunches.length > 0 && lunches.every(text => /清真/.test(text)), lunches.join('\n'));
  assert.match(await page.locator('#checklist').textContent(), /花生过敏/);
  await page.fill('#dietary_needs', '');
  await page.fill('#allergies', '');
});

await step('a trip abroad goes from draft through pre-review and sign-off to its results and the assessment', async () => {
  if (!token || !approverName) { console.log('# skipped: no officer and approver accounts given'); return; }
  await signInAs(username);
  await page.click('#tab-trips');
  await page.selectOption('#ta-department', '市外办');
  // (Not the route an earlier step lengthened.)
  await page.selectOption('#ta-route', 'ct-kr-east-asia-culture');
  // Seven days abroad for a route whose stops need five, and a member with no task.
  await page.fill('#ta-departs', '2026-10-12');
  await page.fill('#ta-returns', '2026-10-18');
  await page.fill('#ta-members', '周平，市外办主任\n吴琳，科长，吸引韩国游客，对接旅行商\n王强，办公室主任');
  // The base served is picked by typing part of its name; it shows as its name, and can be removed.
  await page.fill('#ta-bases', '瓯菜文化');
  await page.locator('#ta-bases-options option').first().waitFor({ state: 'attached' });
  await page.press('#ta-bases', 'Enter');
  await page.locator('#ta-bases-chosen .chip[data-base="lucheng-036"]').waitFor();
  assert.match(await page.locator('#ta-bases-chosen').textContent(), /瓯菜文化体验馆/);
  await page.fill('#ta-bases', '鞋');
  await page.locator('#ta-bases-options option').first().waitFor({ state: 'attached' });
  await page.press('#ta-bases', 'Enter');
  await page.locator('#ta-bases-chosen .chip').nth(1).waitFor();
  await page.locator('#ta-bases-chosen .chip').nth(1).getByRole('button').click();
  assert.equal(await page.locator('#ta-bases-chosen .chip').count(), 1, 'the second base was removed');
  await page.click('#trip-apply button[type=submit]');
  const item = page.locator('.trip-item[data-status=draft]').first();
  await item.locator('.flag').first().waitFor();
  await item.getByText('服务的基地：瓯菜文化体验馆（示例）').waitFor();
  const flags = await item.locator('.flag').evaluateAll(nodes => nodes.map(n => n.dataset.flag).sort());
  assert.deepEqual(flags, ['days_over_rule', 'days_over_tasks', 'member_without_task']);
  assert.match(await item.locator('.review').textContent(), /完事即回/);
  // Submitting with no justification names what is missing.
  await item.getByRole('button', { name: '提交审签' }).click();
  await item.locator('.field-error').filter({ hasText: 'justifications.member_without_task[2]' }).waitFor();
  for (const input of await item.locator('.justify').all()) await input.fill('米兰鞋展日期所限；王强负责联络');
  await item.getByRole('button', { name: '提交审签' }).click();
  await page.locator('.trip-item[data-status=submitted]').first().waitFor();
  // The officer cannot sign off; the approver can.
  assert.equal(await page.locator('.trip-item[data-status=submitted]').first().getByRole('button', { name: '批准', exact: true }).count(), 0);
  // The approver returns it with a comment; the applicant shortens the trip, drops the member
  // without a task, and submits the new revision with nothing left to justify.
  await signInAs(approverName);
  await page.click('#trips-form button[type=submit]');
  let queued = page.locator('.trip-item[data-status=submitted]').first();
  await queued.locator('input.comment').fill('请压缩在外天数，去掉无任务人员');
  await queued.getByRole('button', { name: '退回修改' }).click();
  await page.locator('.trip-item[data-status=returned]').first().waitFor();
  await signInAs(username);
  await page.click('#trips-form button[type=submit]');
  const returned = page.locator('.trip-item[data-status=returned]').first();
  assert.match(await returned.textContent(), /请压缩在外天数/);
  await page.fill('#ta-members', '');
  await returned.getByRole('button', { name: '修改' }).click();
  await page.locator('#trip-apply button[type=submit]').filter({ hasText: '保存对' }).waitFor();
  assert.match(await page.inputValue('#ta-members'), /吴琳，科长，吸引韩国游客，对接旅行商/, 'tasks come back as the route names them');
  await page.fill('#ta-returns', '2026-10-16');
  await page.fill('#ta-members', '周平，市外办主任\n吴琳，科长，吸引韩国游客，对接旅行商');
  await page.click('#trip-apply button[type=submit]');
  const revised = page.locator('.trip-item[data-status=draft]').first();
  await revised.locator('.review').filter({ hasText: '预审未发现问题' }).waitFor();
  await revised.getByRole('button', { name: '提交审签' }).click();
  await page.locator('.trip-item[data-status=submitted]').first().waitFor();
  await signInAs(approverName);
  await page.click('#trips-form button[type=submit]');
  queued = page.locator('.trip-item[data-status=submitted]').first();
  await queued.getByRole('button', { name: '批准', exact: true }).click();
  await page.locator('.trip-item[data-status=approved]').first().waitFor();
  // Back as the applicant: the results, then the assessment.
  await signInAs(username);
  await page.click('#trips-form button[type=submit]');
  const approved = page.locator('.trip-item[data-status=approved]').first();
  await approved.getByRole('button', { name: '填报成果' }).click();
  await approved.locator('select[data-task=tourism]').selectOption('partly');
  await approved.locator('input[type=number]').first().fill('2');
  await approved.locator('input[id^=bases_benefited]').fill('瓯菜文化');
  await approved.locator('datalist option').first().waitFor({ state: 'attached' });
  await approved.locator('input[id^=bases_benefited]').press('Enter');
  await approved.locator('.chip[data-base="lucheng-036"]').waitFor();
  await approved.locator('textarea[id^=contacts]').fill('首尔国际旅游展组委会\n全州市文化局');
  await approved.getByRole('button', { name: '保存成果' }).click();
  const reported = page.locator('.trip-item[data-status=reported]').first();
  await reported.waitFor();
  assert.match(await reported.textContent(), /批准/);
  await reported.getByText('受益基地：瓯菜文化体验馆（示例）').waitFor();
  assert.doesNotMatch(await reported.textContent(), /lucheng-036/, 'bases by name, not id');
  assert.match(await reported.textContent(), /全州市文化局/);
  await page.click('#assessment-form button[type=submit]');
  const row = page.locator('#assessment tr[data-group="ct-kr-east-asia-culture"]');
  await row.waitFor();
  assert.match(await row.textContent(), /韩国文旅推介与东亚文化之都交流线路/);
  assert.match(await row.textContent(), /75%/, 'two tasks, one met and one partly');
  assert.match(await row.textContent(), /5 \/ 5/, 'five days used of five allowed');
  await page.screenshot({ path: `${artifacts}/trips.png`, fullPage: true });
});

await step('nothing was loaded from elsewhere and the console stayed clean', async () => {
  assert.deepEqual(external, []);
  assert.deepEqual(consoleErrors.filter(e => !e.includes('status of 4')), []);
});

await browser.close();
console.log('browser test passed');
