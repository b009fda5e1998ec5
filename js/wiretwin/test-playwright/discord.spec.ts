// The Discord twin through the same fixtures: a member's message, gone after the reset; a
// twin that was not started says so when it is used.
import { expect, test } from 'wiretwin/playwright';
import type { DiscordChannel, DiscordUser } from 'wiretwin';

test.describe.configure({ mode: 'serial' });

let general: DiscordChannel;
let alice: DiscordUser;

test.beforeAll(async ({ workerTwins }) => {
  const { discord } = workerTwins;
  const [guild] = await discord.guilds();
  general = (await discord.channels(guild.id)).find((c) => c.name === 'general')!;
  alice = (await discord.users()).find((u) => u.username === 'alice')!;
});

test('a member says something in #general', async ({ twins }) => {
  const sent = await twins.discord.sendMessage({
    channel: general.id, author: alice.id, content: 'hello from the browser tests',
  });
  expect(await twins.discord.messages(general.id)).toContainEqual(
    expect.objectContaining({ id: sent.id, content: 'hello from the browser tests' }));
});

test('the reset takes the message away', async ({ twins }) => {
  const contents = (await twins.discord.messages(general.id)).map((m) => m.content);
  expect(contents).not.toContain('hello from the browser tests');
});

test('a twin that was not started says so', async ({ twins }) => {
  expect(() => twins.lavalink).toThrow(/the lavalink twin is not running \(running: pusher, discord\)/);
  expect(twins.settings.lavalink).toBeUndefined();
});
