import { describe, expect, it } from "vitest";
import { parseStrategies, strategyFor, STRATEGY_LIMITS, type Strategies } from "./strategies";
import { applyUpdate, DEFAULT_SAMPLING, readSettings } from "./settings";

/** Jaeger's own example file (its docs' "strategies.json"). */
const jaegerExample = {
  default_strategy: { type: "probabilistic", param: 0.5, operation_strategies: [{ operation: "/health", type: "probabilistic", param: 0.0 }, { operation: "/metrics", type: "probabilistic", param: 0.0 }] },
  service_strategies: [
    { service: "foo", type: "probabilistic", param: 0.8, operation_strategies: [{ operation: "op1", type: "probabilistic", param: 0.2 }, { operation: "/health", type: "probabilistic", param: 0.1 }] },
    { service: "bar", type: "ratelimiting", param: 5 },
  ],
};

function parsed(input: unknown): Strategies {
  const result = parseStrategies(input);
  if ("error" in result) throw new Error(result.error);
  return result.value;
}

describe("serving a strategies file as Jaeger's static store does", () => {
  const strategies = parsed(jaegerExample);

  it("gives a service its own probability and its operations, merged with the default's", () => {
    expect(strategyFor(strategies, "foo")).toEqual({
      strategyType: "PROBABILISTIC",
      probabilisticSampling: { samplingRate: 0.8 },
      operationSampling: {
        defaultSamplingProbability: 0.8,
        defaultLowerBoundTracesPerSecond: 0,
        perOperationStrategies: [
          { operation: "op1", probabilisticSampling: { samplingRate: 0.2 } },
          { operation: "/health", probabilisticSampling: { samplingRate: 0.1 } },
          { operation: "/metrics", probabilisticSampling: { samplingRate: 0 } },
        ],
        defaultUpperBoundTracesPerSecond: 0,
      },
    });
  });

  it("keeps a rate-limited service's limit, its operations inheriting the default's at Jaeger's default probability", () => {
    const bar = strategyFor(strategies, "bar");
    expect(bar.strategyType).toBe("RATE_LIMITING");
    expect(bar.rateLimitingSampling).toEqual({ maxTracesPerSecond: 5 });
    expect(bar.probabilisticSampling).toBeUndefined();
    expect(bar.operationSampling?.defaultSamplingProbability).toBe(0.5);
    expect(bar.operationSampling?.perOperationStrategies.map((o) => o.operation)).toEqual(["/health", "/metrics"]);
  });

  it("answers an unknown service with the default strategy", () => {
    const other = strategyFor(strategies, "unknown");
    expect(other.probabilisticSampling).toEqual({ samplingRate: 0.5 });
    expect(other.operationSampling?.perOperationStrategies).toHaveLength(2);
  });

  it("answers the bare default as Jaeger writes it: strategyType spelled out, no operation sampling", () => {
    expect(JSON.stringify(strategyFor(parsed({}), "x"))).toBe('{"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":1}}');
    expect(JSON.stringify(strategyFor(parsed({ default_strategy: { type: "ratelimiting", param: 42 } }), "x"))).toBe('{"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":42}}');
  });
});

describe("validating a strategies file", () => {
  const reason = (input: unknown) => {
    const result = parseStrategies(input);
    return "error" in result ? { error: result.error, field: result.field } : null;
  };

  it.each([
    ["a list instead of an object", [], "strategies", /must be an object/],
    ["an unknown top-level field", { defaults: {} }, "strategies.defaults", /not a strategy field/],
    ["an unknown strategy type", { default_strategy: { type: "adaptive", param: 1 } }, "strategies.default_strategy.type", /"probabilistic" or "ratelimiting"/],
    ["a probability above 1", { default_strategy: { type: "probabilistic", param: 1.5 } }, "strategies.default_strategy.param", /from 0 to 1/],
    ["a negative probability", { service_strategies: [{ service: "a", type: "probabilistic", param: -0.1 }] }, "strategies.service_strategies[0].param", /from 0 to 1/],
    ["a param that is a string", { service_strategies: [{ service: "a", type: "probabilistic", param: "0.5" }] }, "strategies.service_strategies[0].param", /must be a number/],
    ["a fractional rate limit", { service_strategies: [{ service: "a", type: "ratelimiting", param: 2.5 }] }, "strategies.service_strategies[0].param", /whole number/],
    ["a negative rate limit", { service_strategies: [{ service: "a", type: "ratelimiting", param: -1 }] }, "strategies.service_strategies[0].param", /whole number/],
    ["a service without a name", { service_strategies: [{ type: "probabilistic", param: 1 }] }, "strategies.service_strategies[0].service", /service name/],
    ["a service listed twice", { service_strategies: [{ service: "a", type: "probabilistic", param: 1 }, { service: "a", type: "probabilistic", param: 0.5 }] }, "strategies.service_strategies[1].service", /listed twice/],
    ["service_strategies not a list", { service_strategies: {} }, "strategies.service_strategies", /must be a list/],
    ["a rate-limited operation", { service_strategies: [{ service: "a", type: "probabilistic", param: 1, operation_strategies: [{ operation: "x", type: "ratelimiting", param: 1 }] }] }, "strategies.service_strategies[0].operation_strategies[0].type", /per-operation probabilities only/],
    ["an operation without a name", { service_strategies: [{ service: "a", type: "probabilistic", param: 1, operation_strategies: [{ type: "probabilistic", param: 1 }] }] }, "strategies.service_strategies[0].operation_strategies[0].operation", /operation name/],
    ["an operation listed twice", { default_strategy: { type: "probabilistic", param: 1, operation_strategies: [{ operation: "x", type: "probabilistic", param: 1 }, { operation: "x", type: "probabilistic", param: 0 }] } }, "strategies.default_strategy.operation_strategies[1].operation", /listed twice/],
    ["too many services", { service_strategies: Array.from({ length: STRATEGY_LIMITS.services + 1 }, (_, i) => ({ service: `s${i}`, type: "probabilistic", param: 1 })) }, "strategies.service_strategies", /at most 1000/],
  ])("refuses %s, naming the field", (_, input, field, message) => {
    const result = reason(input);
    expect(result?.field).toBe(field);
    expect(result?.error).toMatch(message);
  });

  it("accepts Jaeger's example file as it is", () => {
    expect(reason(jaegerExample)).toBeNull();
  });
});

describe("updating the sampling settings", () => {
  it("replaces only the parts sent", () => {
    const update = applyUpdate(DEFAULT_SAMPLING, { adaptive: { enabled: true, targetTracesPerSecond: 2 } });
    expect(update).toEqual({ value: { ...DEFAULT_SAMPLING, adaptive: { enabled: true, targetTracesPerSecond: 2 } } });
  });

  it.each([
    [{ colour: 1 }, "colour", /unknown sampling setting/],
    [{}, "", /nothing to change/],
    [{ tail: { keepPercent: 120 } }, "tail.keepPercent", /0 to 100/],
    [{ adaptive: { enabled: "yes" } }, "adaptive.enabled", /true or false/],
    [{ adaptive: { enabled: true, targetTracesPerSecond: 0 } }, "adaptive.targetTracesPerSecond", /above 0/],
  ])("refuses %j with a reason for its field", (body, field, message) => {
    const result = applyUpdate(DEFAULT_SAMPLING, body);
    expect("error" in result && result.field).toBe(field);
    expect("error" in result && result.error).toMatch(message);
  });

  it("refuses settings that would not fit the one stored value", () => {
    const services = Array.from({ length: 900 }, (_, i) => ({ service: `service-with-a-long-name-${i}`, type: "probabilistic", param: 0.5 }));
    const result = applyUpdate(DEFAULT_SAMPLING, { strategies: { service_strategies: services } });
    expect("error" in result && result.error).toMatch(/at most 32768 are kept/);
  });

  it("reads back what it stored, and the defaults for what is missing or unreadable", () => {
    const update = applyUpdate(DEFAULT_SAMPLING, { strategies: jaegerExample });
    if (!("value" in update)) throw new Error("refused");
    expect(readSettings(JSON.stringify(update.value))).toEqual(update.value);
    expect(readSettings(null)).toEqual(DEFAULT_SAMPLING);
    expect(readSettings("{not json")).toEqual(DEFAULT_SAMPLING);
    expect(readSettings(JSON.stringify({ tail: { keepPercent: 5 } })).tail.keepPercent).toBe(5);
  });
});
