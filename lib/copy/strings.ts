/**
 * The chat's own words, per UI language (the widget's `data-lang`). Messages written by the server
 * (errors, memory notices) arrive in the server's language and are shown as they are.
 */
export const LANGUAGES = ['en', 'de'] as const;
export type Lang = (typeof LANGUAGES)[number];

export function toLang(value: unknown): Lang {
  return LANGUAGES.find((lang) => lang === value) ?? 'en';
}

export interface ChatStrings {
  title: string;
  greeting: string;
  status: { connecting: string; online: string; reconnecting: string; offline: string; typing: string };
  messageLabel: string;
  placeholder: string;
  hint: string;
  send: string;
  stop: string;
  stopped: string;
  retry: string;
  newConversation: string;
  newConversationStarted: string;
  close: string;
  /** Shown when neither the frame nor the host page can keep the conversation's id. */
  notKept: string;
  /** The host page said who the customer is, but Tether could not verify it. */
  signInAgain: string;
  dismissBanner: string;
  demoBanner: { title: string; short: string };
  youSaid: string;
  assistantSaid: string;
  conversation: string;
  typing: string;
  helpful: string;
  notHelpful: string;
  notSaved: string;
  counter: (used: number, max: number) => string;
  overLimit: (over: number, max: number) => string;
  retryIn: (seconds: number) => string;
  /** A person from the support team stepping in (issue 20). */
  handoff: {
    /** The button that asks for a person. */
    ask: string;
    asking: string;
    waiting: string;
    answering: (name: string) => string;
    joined: (name: string) => string;
    handedBack: string;
    resolved: string;
    /** The line above an agent's message, after their name. */
    team: string;
    agentSaid: (name: string) => string;
    /** When the server does not name the agent. */
    someone: string;
  };
  errors: {
    network: string;
    interrupted: string;
    server: string;
    sessionReplaced: string;
    historyUnavailable: string;
    feedback: string;
  };
}

const en: ChatStrings = {
  title: 'Support',
  greeting: 'Ask us anything. Your conversation is kept on our side, so you can pick it up again after a reload.',
  status: {
    connecting: 'Connecting…',
    online: 'Online',
    reconnecting: 'Reconnecting…',
    offline: 'Offline: messages will be sent when the connection is back',
    typing: 'Typing…',
  },
  messageLabel: 'Message',
  placeholder: 'Type your message…',
  hint: 'Enter to send, Shift+Enter for a new line',
  send: 'Send',
  stop: 'Stop',
  stopped: 'You stopped this reply.',
  retry: 'Retry',
  newConversation: 'New conversation',
  newConversationStarted: 'A new conversation has started.',
  close: 'Close chat',
  notKept:
    'This browser blocks the storage this chat needs, so the conversation lasts only while this page is open. It will start over after a reload or on another page.',
  signInAgain: 'We couldn’t confirm who you are. Please sign in again to continue your conversation.',
  dismissBanner: 'Dismiss demo notice',
  demoBanner: { title: 'Demo mode: no language model is configured', short: 'Replies come from a built-in offline demo model.' },
  youSaid: 'You said',
  assistantSaid: 'Assistant said',
  conversation: 'Conversation',
  typing: 'Assistant is typing',
  helpful: 'Helpful',
  notHelpful: 'Not helpful',
  notSaved: 'We couldn’t save this reply, so it won’t be part of the conversation when you come back.',
  counter: (used, max) => `${used.toLocaleString('en')} / ${max.toLocaleString('en')} characters`,
  overLimit: (over, max) =>
    `Too long to send: ${over.toLocaleString('en')} characters over the ${max.toLocaleString('en')} limit. Please shorten your message.`,
  retryIn: (seconds) => `You can send again in ${seconds} s.`,
  handoff: {
    ask: 'Talk to a person',
    asking: 'Asking for a person…',
    waiting: 'Waiting for a person…',
    answering: (name) => `${name} from our team is answering`,
    joined: (name) => `${name} from our team joined`,
    handedBack: 'You’re chatting with the assistant again',
    resolved: 'Our team marked this conversation as resolved. Write again any time.',
    team: 'Support team',
    agentSaid: (name) => `${name} from our team said`,
    someone: 'Someone',
  },
  errors: {
    network: 'We couldn’t reach our support service just now. We’ll keep trying; you can also retry.',
    interrupted: 'The reply was cut off on its way to you. Please retry.',
    server: 'Something went wrong on our side. Please try again.',
    sessionReplaced: 'We couldn’t find your earlier conversation, so a new one has started.',
    historyUnavailable: 'We couldn’t load your earlier messages right now. You can keep chatting here.',
    feedback: 'Your rating could not be saved. Please try again.',
  },
};

const de: ChatStrings = {
  title: 'Support',
  greeting: 'Fragen Sie uns alles. Ihr Gespräch wird bei uns gespeichert, Sie können es nach dem Neuladen fortsetzen.',
  status: {
    connecting: 'Verbinde…',
    online: 'Online',
    reconnecting: 'Verbindung wird wiederhergestellt…',
    offline: 'Offline: Nachrichten werden gesendet, sobald die Verbindung zurück ist',
    typing: 'Schreibt…',
  },
  messageLabel: 'Nachricht',
  placeholder: 'Ihre Nachricht…',
  hint: 'Enter zum Senden, Umschalt+Enter für eine neue Zeile',
  send: 'Senden',
  stop: 'Stopp',
  stopped: 'Sie haben diese Antwort angehalten.',
  retry: 'Erneut versuchen',
  newConversation: 'Neues Gespräch',
  newConversationStarted: 'Ein neues Gespräch hat begonnen.',
  close: 'Chat schließen',
  notKept:
    'Dieser Browser blockiert den Speicher, den der Chat braucht. Das Gespräch bleibt nur erhalten, solange diese Seite offen ist, und beginnt nach dem Neuladen oder auf einer anderen Seite neu.',
  signInAgain: 'Wir konnten Ihre Anmeldung nicht bestätigen. Bitte melden Sie sich erneut an, um Ihr Gespräch fortzusetzen.',
  dismissBanner: 'Demo-Hinweis schließen',
  demoBanner: { title: 'Demo-Modus: kein Sprachmodell konfiguriert', short: 'Antworten kommen von einem eingebauten Offline-Demomodell.' },
  youSaid: 'Sie schrieben',
  assistantSaid: 'Assistent schrieb',
  conversation: 'Gespräch',
  typing: 'Assistent schreibt',
  helpful: 'Hilfreich',
  notHelpful: 'Nicht hilfreich',
  notSaved: 'Diese Antwort konnte nicht gespeichert werden und fehlt beim nächsten Besuch.',
  counter: (used, max) => `${used.toLocaleString('de')} / ${max.toLocaleString('de')} Zeichen`,
  overLimit: (over, max) =>
    `Zu lang: ${over.toLocaleString('de')} Zeichen über dem Limit von ${max.toLocaleString('de')}. Bitte kürzen Sie Ihre Nachricht.`,
  retryIn: (seconds) => `Sie können in ${seconds} s wieder senden.`,
  handoff: {
    ask: 'Mit einem Menschen sprechen',
    asking: 'Wir fragen nach einer Person…',
    waiting: 'Warten auf eine Person…',
    answering: (name) => `${name} aus unserem Team antwortet`,
    joined: (name) => `${name} aus unserem Team ist dazugekommen`,
    handedBack: 'Sie schreiben wieder mit dem Assistenten',
    resolved: 'Unser Team hat dieses Gespräch als gelöst markiert. Schreiben Sie jederzeit wieder.',
    team: 'Support-Team',
    agentSaid: (name) => `${name} aus unserem Team schrieb`,
    someone: 'Jemand',
  },
  errors: {
    network: 'Unser Support-Dienst ist gerade nicht erreichbar. Wir versuchen es weiter; Sie können es auch erneut versuchen.',
    interrupted: 'Die Antwort wurde unterwegs unterbrochen. Bitte erneut versuchen.',
    server: 'Bei uns ist etwas schiefgelaufen. Bitte versuchen Sie es erneut.',
    sessionReplaced: 'Ihr früheres Gespräch wurde nicht gefunden, daher hat ein neues begonnen.',
    historyUnavailable: 'Ihre früheren Nachrichten konnten gerade nicht geladen werden. Sie können hier weiterschreiben.',
    feedback: 'Ihre Bewertung konnte nicht gespeichert werden. Bitte erneut versuchen.',
  },
};

export const STRINGS: Record<Lang, ChatStrings> = { en, de };
