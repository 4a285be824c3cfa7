/**
 * Ready-to-paste setup for sending traces here, filled in with this server's origin and the
 * user's key. edgetrace takes OTLP/HTTP traces at `${origin}/v1/traces`; SDKs given the base
 * endpoint (OTEL_EXPORTER_OTLP_ENDPOINT) add `/v1/traces` themselves. Only traces: metric and
 * log exporters are switched off where an SDK would otherwise send them too.
 */

export interface SetupSnippet {
  id: "env" | "node" | "python" | "go" | "java" | "collector";
  label: string;
  /** For the code block's label and screen readers. */
  language: string;
  /** A shell command installing what the code needs, if anything. */
  install?: string;
  code: string;
  hint: string;
}

export const KEY_PLACEHOLDER = "<your-api-key>";

export function setupSnippets(origin: string, key: string | null, service = "my-service"): SetupSnippet[] {
  const base = origin.replace(/\/+$/, "");
  const traces = `${base}/v1/traces`;
  const apiKey = key ?? KEY_PLACEHOLDER;
  return [
    {
      id: "env",
      label: "Environment",
      language: "shell",
      code: [
        `export OTEL_SERVICE_NAME="${service}"`,
        `export OTEL_EXPORTER_OTLP_ENDPOINT="${base}"`,
        `export OTEL_EXPORTER_OTLP_HEADERS="x-api-key=${apiKey}"`,
        `export OTEL_EXPORTER_OTLP_PROTOCOL="http/protobuf"`,
        `export OTEL_TRACES_EXPORTER="otlp"`,
        `export OTEL_METRICS_EXPORTER="none"`,
        `export OTEL_LOGS_EXPORTER="none"`,
      ].join("\n"),
      hint: "Any OpenTelemetry SDK or zero-code agent reads these: set them, then start your service.",
    },
    {
      id: "node",
      label: "Node.js",
      language: "javascript",
      install: "npm install @opentelemetry/sdk-node @opentelemetry/auto-instrumentations-node @opentelemetry/exporter-trace-otlp-proto",
      code: `// tracing.mjs — load it before your app: node --import ./tracing.mjs app.js
import { NodeSDK } from "@opentelemetry/sdk-node";
import { getNodeAutoInstrumentations } from "@opentelemetry/auto-instrumentations-node";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";

const sdk = new NodeSDK({
  serviceName: "${service}",
  traceExporter: new OTLPTraceExporter({
    url: "${traces}",
    headers: { "x-api-key": "${apiKey}" },
  }),
  instrumentations: [getNodeAutoInstrumentations()],
});
sdk.start();
process.on("SIGTERM", () => sdk.shutdown());`,
      hint: "Auto-instruments http, express, fetch, pg, redis and more.",
    },
    {
      id: "python",
      label: "Python",
      language: "python",
      install: "pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http",
      code: `from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor

provider = TracerProvider(resource=Resource.create({"service.name": "${service}"}))
provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(
    endpoint="${traces}",
    headers={"x-api-key": "${apiKey}"},
)))
trace.set_tracer_provider(provider)

tracer = trace.get_tracer(__name__)
with tracer.start_as_current_span("hello"):
    print("traced")`,
      hint: "For zero-code instrumentation, pip install opentelemetry-distro, run opentelemetry-bootstrap -a install, and start your app with opentelemetry-instrument and the environment above.",
    },
    {
      id: "go",
      label: "Go",
      language: "go",
      install: "go get go.opentelemetry.io/otel go.opentelemetry.io/otel/sdk go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp",
      code: `import (
	"context"
	"log"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

func initTracing(ctx context.Context) func(context.Context) error {
	exporter, err := otlptracehttp.New(ctx,
		otlptracehttp.WithEndpointURL("${traces}"),
		otlptracehttp.WithHeaders(map[string]string{"x-api-key": "${apiKey}"}),
	)
	if err != nil {
		log.Fatal(err)
	}
	provider := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exporter),
		sdktrace.WithResource(resource.NewSchemaless(attribute.String("service.name", "${service}"))),
	)
	otel.SetTracerProvider(provider)
	return provider.Shutdown // call it on exit to flush the last spans
}`,
      hint: "Wrap handlers with go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp for HTTP spans.",
    },
    {
      id: "java",
      label: "Java",
      language: "shell",
      install: "curl -L -O https://github.com/open-telemetry/opentelemetry-java-instrumentation/releases/latest/download/opentelemetry-javaagent.jar",
      code: `java -javaagent:opentelemetry-javaagent.jar \\
  -Dotel.service.name=${service} \\
  -Dotel.exporter.otlp.endpoint=${base} \\
  -Dotel.exporter.otlp.headers=x-api-key=${apiKey} \\
  -Dotel.exporter.otlp.protocol=http/protobuf \\
  -Dotel.metrics.exporter=none \\
  -Dotel.logs.exporter=none \\
  -jar app.jar`,
      hint: "The zero-code Java agent instruments Spring, JDBC, HTTP clients and more.",
    },
    {
      id: "collector",
      label: "Collector",
      language: "yaml",
      code: `receivers:
  otlp:
    protocols:
      grpc:
      http:

processors:
  batch:

exporters:
  otlphttp/edgetrace:
    endpoint: ${base}
    headers:
      x-api-key: ${apiKey}
    compression: gzip

service:
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [otlphttp/edgetrace]`,
      hint: "Already running an OpenTelemetry Collector? Add this exporter to its traces pipeline.",
    },
  ];
}
