/**
 * What a window's exchange is, as Lua, in one place (the rule of applyCaps() in
 * lib/conversation/types.ts): a customer's message with the reply to it (the next item, the
 * assistant's, with the same audit id) is one exchange of 2 items; any other item (a message held
 * for a person, an agent's message) is one on its own. The items are our own JSON, in which a
 * customer's quotes are escaped, so these needles only ever match the fields themselves.
 * `exchange_length(items, i)` returns 2 or 1.
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
`;
