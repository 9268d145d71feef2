import { describe, expect, it } from 'vitest';
import { estimateCost, parseModelPrices } from '@/lib/model/prices';
import { ConfigError, parseConfig } from '@/lib/config';

describe('MODEL_PRICES', () => {
  it('parses dollars per million tokens and estimates a cost', () => {
    const prices = parseModelPrices('{"gpt-4o-mini":{"input":0.15,"output":0.6}}');
    expect(estimateCost(prices, 'gpt-4o-mini', 1_000_000, 500_000)).toBeCloseTo(0.45);
    expect(estimateCost(prices, 'other', 10, 10)).toBeNull();
    expect(parseModelPrices(undefined)).toEqual({});
    expect(parseModelPrices('  ')).toEqual({});
  });

  it('refuses bad JSON and bad shapes with a message that names the variable', () => {
    expect(() => parseModelPrices('{')).toThrow(/MODEL_PRICES: is not valid JSON/);
    expect(() => parseModelPrices('{"m":{"input":-1,"output":1}}')).toThrow(/MODEL_PRICES: m.input/);
    expect(() => parseModelPrices('{"m":{"input":1}}')).toThrow(/MODEL_PRICES: m.output/);
    expect(() => parseModelPrices('[1]')).toThrow(/MODEL_PRICES/);
    expect(() => parseConfig({ MODEL_PRICES: '{"m":{"input":"cheap","output":1}}', SESSION_SECRET: 'x'.repeat(32) })).toThrow(ConfigError);
    expect(parseConfig({ MODEL_PRICES: '{"m":{"input":1,"output":2}}', SESSION_SECRET: 'x'.repeat(32) }).admin.modelPrices).toEqual({ m: { input: 1, output: 2 } });
  });
});
