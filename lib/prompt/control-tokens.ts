/**
 * The one table of chat-template control tokens that prompt hygiene neutralises (sanitize.ts), by
 * the template family they come from. A model server's tokenizer may turn any of these, found in
 * message text, into a real role, turn or tool marker. tests/unit/prompt/control-tokens.test.ts runs
 * one test per entry.
 *
 * Matching (sanitize.ts) is exact and case-sensitive, as tokenizers match added tokens, but it looks
 * through what a tokenizer or a normalising server could look through: default-ignorable characters
 * (ZWJ, ZWSP, …) inside the token, and compatibility forms that NFKC folds to the ASCII character
 * (fullwidth `＜｜［］／`, small forms `﹤﹥`, fullwidth or mathematical letters).
 *
 * Besides the listed entries, every `<|word|>` and `<｜word｜>` (word: 1–64 non-space characters)
 * is neutralised, so pipe-delimited tokens of templates not listed here (Cohere, Granite, new
 * reserved tokens, …) are covered too; the pipe entries below document the known ones and are
 * tested one by one.
 */

export interface ControlToken {
  token: string;
  family: string;
}

const family = (name: string, tokens: readonly string[]): ControlToken[] =>
  tokens.map((token) => ({ token, family: name }));

export const CONTROL_TOKENS: readonly ControlToken[] = [
  ...family('ChatML (OpenAI, Qwen, Yi, Hermes)', ['<|im_start|>', '<|im_end|>', '<|im_sep|>', '<|endoftext|>']),
  ...family('Qwen / Hermes tool and reasoning tags', [
    '<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>', '<tools>', '</tools>',
    '<think>', '</think>', '<|fim_prefix|>', '<|fim_middle|>', '<|fim_suffix|>', '<|vision_start|>', '<|vision_end|>',
  ]),
  ...family('Llama 3 / 4', [
    '<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>', '<|eot_id|>', '<|eom_id|>',
    '<|python_tag|>', '<|header_start|>', '<|header_end|>', '<|eot|>',
  ]),
  ...family('Llama 2', ['<<SYS>>', '<</SYS>>', '<s>', '</s>']),
  ...family('Mistral', [
    '[INST]', '[/INST]', '[SYSTEM_PROMPT]', '[/SYSTEM_PROMPT]', '[TOOL_CALLS]', '[/TOOL_CALLS]', '[AVAILABLE_TOOLS]',
    '[/AVAILABLE_TOOLS]', '[TOOL_RESULTS]', '[/TOOL_RESULTS]', '[TOOL_CONTENT]', '[/TOOL_CONTENT]', '[THINK]', '[/THINK]',
    '[ARGS]', '[CALL_ID]', '[IMG]', '[IMG_BREAK]', '[IMG_END]', '[PREFIX]', '[MIDDLE]', '[SUFFIX]', '<unk>',
  ]),
  ...family('GLM / ChatGLM', ['[gMASK]', '[sMASK]', '[MASK]', '<sop>', '<eop>', '<|system|>', '<|user|>', '<|assistant|>', '<|observation|>']),
  ...family('DeepSeek (fullwidth bars)', [
    '<｜begin▁of▁sentence｜>', '<｜end▁of▁sentence｜>', '<｜User｜>', '<｜Assistant｜>', '<｜tool▁calls▁begin｜>',
    '<｜tool▁calls▁end｜>', '<｜tool▁call▁begin｜>', '<｜tool▁call▁end｜>', '<｜tool▁sep｜>', '<｜tool▁outputs▁begin｜>',
    '<｜tool▁output▁begin｜>', '<｜tool▁output▁end｜>', '<｜tool▁outputs▁end｜>',
  ]),
  ...family('Gemma', ['<bos>', '<eos>', '<pad>', '<start_of_turn>', '<end_of_turn>', '<start_of_image>', '<end_of_image>']),
  ...family('Phi', ['<|end|>', '<|tool|>', '<|/tool|>', '<|tool_call|>', '<|/tool_call|>']),
  ...family('harmony (gpt-oss)', ['<|start|>', '<|message|>', '<|channel|>', '<|constrain|>', '<|return|>', '<|call|>']),
  ...family('Command R (Cohere)', ['<|START_OF_TURN_TOKEN|>', '<|END_OF_TURN_TOKEN|>', '<|SYSTEM_TOKEN|>', '<|USER_TOKEN|>', '<|CHATBOT_TOKEN|>']),
  ...family('Granite', ['<|start_of_role|>', '<|end_of_role|>']),
];
