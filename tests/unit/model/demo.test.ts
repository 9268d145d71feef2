import { summaryContent } from '@/lib/prompt/assemble';
import { describe, expect, it } from 'vitest';
import { DemoModelClient, demoReply } from '@/lib/model/demo';
import type { ModelMessage } from '@/lib/prompt/assemble';

const system: ModelMessage = { role: 'system', content: 'You are the support assistant of Acme Bikes.' };
const user = (content: string): ModelMessage => ({ role: 'user', content });
const assistant = (content: string): ModelMessage => ({ role: 'assistant', content });

describe('demoReply', () => {
  it('labels every reply as coming from the demo model', () => {
    for (const messages of [[system, user('Hi')], [user('Hi')], [system, user('Hi'), assistant('Hello'), user('What is my name?')]]) {
      expect(demoReply(messages)).toMatch(/^\[Demo model\] /);
    }
  });

  it('says when the conversation starts', () => {
    const reply = demoReply([system, user('My bike has a flat tyre')]);
    expect(reply).toBe('[Demo model] You wrote: "My bike has a flat tyre". This is the start of our conversation.');
  });

  it('remembers a name given in an earlier user message', () => {
    const reply = demoReply([
      system,
      user('Hi, my name is Ada'),
      assistant('[Demo model] Nice to meet you, Ada!'),
      user('My order is late'),
      assistant('[Demo model] You wrote: "My order is late".'),
      user("What's my name?"),
    ]);
    expect(reply).toContain('Your name is Ada: you told me earlier.');
  });

  it('uses the most recent name when the customer gave more than one', () => {
    const reply = demoReply([system, user('my name is Ada'), assistant('ok'), user('Actually my name is Grace'), assistant('ok'), user('Who am I?')]);
    expect(reply).toContain('Your name is Grace');
    expect(reply).not.toContain('Your name is Ada');
  });

  it("says it has not been told a name when no earlier user message gave one", () => {
    expect(demoReply([system, user('What is my name?')])).toContain('You have not told me your name yet.');
    expect(demoReply([system, user('Hello'), assistant('Hi!'), user('Do you remember my name?')])).toContain(
      'You have not told me your name yet.',
    );
  });

  it('takes a name only from the customer, never from system or assistant messages', () => {
    const reply = demoReply([
      { role: 'system', content: 'My name is Tether, the support bot.' },
      user('Hello'),
      assistant('Hi, my name is Botty.'),
      user('What is my name?'),
    ]);
    expect(reply).toContain('You have not told me your name yet.');
    expect(reply).not.toContain('Tether');
    expect(reply).not.toContain('Botty');
  });

  it('greets a name given in the current message', () => {
    expect(demoReply([system, user('Hello, my name is Zoë')])).toContain('Nice to meet you, Zoë!');
  });

  it('quotes the first earlier user message and counts the earlier user messages', () => {
    const reply = demoReply([
      system,
      user('My order #1234 has not arrived'),
      assistant('Sorry to hear that.'),
      user('It was due on Monday'),
      assistant('Let me check.'),
      user('Any news?'),
    ]);
    expect(reply).toContain('You wrote: "Any news?".');
    expect(reply).toContain('I remember 2 earlier messages from you; the first was "My order #1234 has not arrived".');
  });

  it('uses the singular for one earlier message', () => {
    const reply = demoReply([system, user('First'), assistant('ok'), user('Second')]);
    expect(reply).toContain('I remember 1 earlier message from you; the first was "First".');
  });

  it('counts only user messages, not assistant or system messages', () => {
    const reply = demoReply([
      system,
      { role: 'user', content: summaryContent('The customer is Ada.') },
      assistant('Welcome back'),
      user('Where is my parcel?'),
      assistant('On its way'),
      assistant('Anything else?'),
      user('No'),
    ]);
    expect(reply).toContain('I remember 1 earlier message from you; the first was "Where is my parcel?"');
  });

  it('mentions a summary when it has one but no earlier messages', () => {
    const reply = demoReply([
      system,
      { role: 'user', content: summaryContent('The customer is Ada.') },
      user('Hello again'),
    ]);
    expect(reply).toContain('I also have a summary of our earlier conversation.');
    expect(reply).not.toContain('start of our conversation');
  });

  it('clips long quotes with an ellipsis', () => {
    const long = `Please help ${'a'.repeat(200)}`;
    const reply = demoReply([system, user(long), assistant('ok'), user(long)]);
    expect(reply).toContain(`You wrote: "${long.slice(0, 119)}…".`);
    expect(reply).toContain(`the first was "${long.slice(0, 79)}…".`);
    expect(reply).not.toContain(long);
  });
});

describe('DemoModelClient', () => {
  it('streams demoReply word by word, then a usage chunk', async () => {
    const messages = [system, user('my name is Ada'), assistant('ok'), user('what is my name?')];
    let text = '';
    let usage = 0;
    for await (const chunk of new DemoModelClient(0).stream(messages)) {
      if (chunk.type === 'delta') text += chunk.text;
      else if (chunk.type === 'usage') usage++;
    }
    expect(text).toBe(demoReply(messages));
    expect(usage).toBe(1);
  });
});
