/**
 * What a window's exchange is, and how a window is trimmed to its caps, as Lua, in one place (the rule of applyCaps() in
 * lib/conversation/types.ts): a customer's message with the reply to it (the next item, the
 * assistant's, with the same audit id) is one exchange of 2 items; any other item (a message held
 * for a person, an agent's message) is one on its own. The items are our own JSON, in which a
 * customer's quotes are escaped, so these needles only ever match the fields themselves.
 * `exchange_length(items, i)` returns 2 or 1; `trim_start(items, max_messages, max_tokens)` the index
 * of the first item kept (oldest exchanges dropped first) and the items dropped before it.
 */
export const EXCHANGE_FUNCTION = `
local function exchange_length(items, i)
  local item, next_item = items[i], items[i + 1]
  if next_item and string.find(item, '"role":"user"', 1, true) and string.find(next_item, '"role":"assistant"', 1, true)
    and string.match(item, '"auditId":"([^"]*)"') == string.match(next_item, '"auditId":"([^"]*)"') then
    return 2
  end
  return 1
end
local function trim_start(items, max_messages, max_tokens)
  local tokens, total = {}, 0
  for i, item in ipairs(items) do
    tokens[i] = tonumber(string.match(item, '"tokens":(%d+)')) or 0
    total = total + tokens[i]
  end
  local message_cap, token_cap, n, start = tonumber(max_messages), tonumber(max_tokens), #items, 1
  while start <= n and ((n - start + 1) > message_cap or total > token_cap) do
    local drop = exchange_length(items, start)
    for i = start, start + drop - 1 do total = total - tokens[i] end
    start = start + drop
  end
  local evicted = {}
  for i = 1, start - 1 do evicted[i] = items[i] end
  return start, evicted
end
`;
