package dev.switchboard.tracing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;

import static org.awaitility.Awaitility.await;

/**
 * An OTLP/HTTP trace receiver: what a collector would be to the gateway. It decodes each
 * export with OpenTelemetry's published protobuf classes and keeps the spans.
 */
final class OtlpReceiver implements AutoCloseable {

	final List<Span> spans = new CopyOnWriteArrayList<>();

	private final HttpServer server;

	OtlpReceiver() throws IOException {
		this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
		this.server.createContext("/v1/traces", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
				for (ResourceSpans resource : request.getResourceSpansList()) {
					for (ScopeSpans scope : resource.getScopeSpansList()) {
						this.spans.addAll(scope.getSpansList());
					}
				}
			}
			byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
			exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
			exchange.sendResponseHeaders(200, answer.length);
			try (OutputStream out = exchange.getResponseBody()) {
				out.write(answer);
			}
		});
		this.server.start();
	}

	String endpoint() {
		return "http://127.0.0.1:" + this.server.getAddress().getPort() + "/v1/traces";
	}

	/** The first span received that matches, waiting for it at most {@code timeout}. */
	Span awaitSpan(String description, Duration timeout, Predicate<Span> matching) {
		List<Span> found = new ArrayList<>();
		await(description).atMost(timeout).until(() -> {
			this.spans.stream().filter(matching).findFirst().ifPresent(found::add);
			return !found.isEmpty();
		});
		return found.get(0);
	}

	static String attribute(Span span, String key) {
		for (KeyValue attribute : span.getAttributesList()) {
			if (attribute.getKey().equals(key)) {
				AnyValue value = attribute.getValue();
				return value.hasIntValue() ? String.valueOf(value.getIntValue()) : value.getStringValue();
			}
		}
		return null;
	}

	@Override
	public void close() {
		this.server.stop(0);
	}

}
