/**
 * Real OpenTelemetry JS SDK spans, and the stock OTLP exporters to send them: tests build spans
 * in memory first so they know exactly what was sent, then export them with the exporter a user
 * would configure.
 */
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import { OTLPTraceExporter as OtlpHttpJsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as OtlpProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { CompressionAlgorithm } from "@opentelemetry/otlp-exporter-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import type { Attributes } from "@opentelemetry/api";

export type ExporterKind = "protobuf" | "json";

/** A provider for one service whose finished spans are kept in memory. */
export function memoryProvider(resource: Attributes) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  return {
    provider,
    async finished(): Promise<ReadableSpan[]> {
      await provider.forceFlush();
      return exporter.getFinishedSpans();
    },
  };
}

/** Sends spans with a stock exporter; resolves with the exporter's own verdict. */
export async function exportSpans(
  url: string,
  key: string,
  spans: ReadableSpan[],
  options: { kind: ExporterKind; gzip?: boolean },
): Promise<ExportResult> {
  const config = {
    url: `${url}/v1/traces`,
    headers: { "x-api-key": key },
    compression: options.gzip ? CompressionAlgorithm.GZIP : CompressionAlgorithm.NONE,
    timeoutMillis: 20_000,
  };
  const exporter = options.kind === "protobuf" ? new OtlpProtoExporter(config) : new OtlpHttpJsonExporter(config);
  try {
    return await new Promise<ExportResult>((done) => exporter.export(spans, done));
  } finally {
    await exporter.shutdown();
  }
}

export function exportSucceeded(result: ExportResult): boolean {
  return result.code === ExportResultCode.SUCCESS;
}
