import type { Config } from '@/lib/config';
import type { RateRule } from '@/lib/rate-limit/window';

/**
 * Every abuse limit of the public API, as data: which rule, which key. Pure, so the chat turn's begin
 * script counts the chat limits in its existing round trip (same keys, same arithmetic).
 * Defaults (docs/security.md): far above what a person does, far below what a flood does.
 */

export const SESSION_CREATE_RULE = 'session-ip';
export const CHAT_IP_RULE = 'chat-ip';
export const MODEL_CALLS_RULE = 'model-calls';
export const STOP_IP_RULE = 'stop-ip';
export const FEEDBACK_IP_RULE = 'feedback-ip';
export const MESSAGES_IP_RULE = 'messages-ip';
export const RESUME_IP_RULE = 'resume-ip';
export const HEALTH_IP_RULE = 'health-ip';
export const CONVERSATION_RULE = 'chat-session';

const perMinute = (name: string, limit: number): RateRule => ({ name, limit, windowSeconds: 60 });

/** POST /api/session: per client address. */
export function sessionCreateChecks(limits: Pick<Config['limits'], 'sessionCreatePerIp'>, clientKey: string): Array<[RateRule, string]> {
  return [[perMinute(SESSION_CREATE_RULE, limits.sessionCreatePerIp), clientKey]];
}

/**
 * POST /api/chat: per client address across all its sessions (minting sessions does not reset it),
 * and the optional budget of model calls per minute for the whole deployment. Counted by the
 * conversation backend in the turn's begin (one round trip with the turn itself), before anything
 * else; the per-conversation limit below is counted there too, once the turn may run.
 */
export function chatChecks(limits: Pick<Config['limits'], 'chatPerIp' | 'modelCallsGlobal'>, clientKey: string): Array<[RateRule, string]> {
  return [
    [perMinute(CHAT_IP_RULE, limits.chatPerIp), clientKey],
    [perMinute(MODEL_CALLS_RULE, limits.modelCallsGlobal), 'all'],
  ];
}

/** Turns one conversation may start per minute (CHAT_RATE_LIMIT_PER_MINUTE), keyed by the session's reference. */
export function conversationRule(turnsPerMinute: number): RateRule {
  return perMinute(CONVERSATION_RULE, turnsPerMinute);
}

/** The endpoints around a turn, each per client address (a flood of them is work for Redis or Postgres). */
export type EdgeEndpoint = 'stop' | 'feedback' | 'messages' | 'resume' | 'health';

export function edgeChecks(
  limits: Pick<Config['limits'], 'stopPerIp' | 'feedbackPerIp' | 'messagesPerIp' | 'resumePerIp' | 'healthPerIp'>,
  endpoint: EdgeEndpoint,
  clientKey: string,
): Array<[RateRule, string]> {
  const rule = {
    stop: perMinute(STOP_IP_RULE, limits.stopPerIp),
    feedback: perMinute(FEEDBACK_IP_RULE, limits.feedbackPerIp),
    messages: perMinute(MESSAGES_IP_RULE, limits.messagesPerIp),
    resume: perMinute(RESUME_IP_RULE, limits.resumePerIp),
    health: perMinute(HEALTH_IP_RULE, limits.healthPerIp),
  }[endpoint];
  return [[rule, clientKey]];
}
