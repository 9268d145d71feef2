/** What the server could do with a conversation's memory for this turn (sent to the widget as `memory`). */
export type MemoryStatus = 'ok' | 'new' | 'expired' | 'unavailable';
