package dev.switchboard.tracing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;

import io.micrometer.tracing.Tracer;
import io.netty.handler.codec.http.HttpHeaders;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.UnresponsivePorts;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A traced gateway exports its handshake and tunnel spans to a real OTLP receiver: the
 * handshake joins the client's trace and hands it on to the backend, the tunnel's close
 * is a span of the same trace, a failed handshake carries its reason and an error, log
 * lines carry the trace id, and the handshake histogram carries exemplars.
 */
@ExtendWith(OutputCaptureExtension.class)
class TracingTest {

	static final Duration LIMIT = Duration.ofSeconds(15);

	static final TestBackend backend = new TestBackend();

	static OtlpReceiver receiver;

	static ConfigurableApplicationContext gateway;

	static int port;

	@BeforeAll
	static void start() throws Exception {
		receiver = new OtlpReceiver();
		gateway = gateway(receiver.endpoint(), "--management.tracing.sampling.probability=1.0");
		port = ((WebServerApplicationContext) gateway).getWebServer().getPort();
	}

	@AfterAll
	static void stop() {
		if (gateway != null) {
			gateway.close();
		}
		if (receiver != null) {
			receiver.close();
		}
		backend.close();
	}

	@Test
	void theHandshakeJoinsTheClientsTraceAndTheTunnelsCloseIsASpanOfIt(CapturedOutput output) throws Exception {
		String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
		String clientSpan = "00f067aa0ba902b7";
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws?traced",
				(headers) -> headers.set("traceparent", "00-" + traceId + "-" + clientSpan + "-01")
					.set("baggage", "tenant=blue"))) {
			client.sendText("hello");
			assertThat(client.nextText()).isEqualTo("hello");
			HttpHeaders backendHeaders = backend.awaitRequest("/ws?traced").headers();
			String atBackend = backendHeaders.get("traceparent");
			assertThat(atBackend).as("the backend joins the client's trace").startsWith("00-" + traceId + "-");
			assertThat(backendHeaders.get("baggage")).as("the client's baggage, passed on as any header")
				.isEqualTo("tenant=blue");
			client.sendClose(1000, "bye");
			client.awaitClose();

			Span handshake = receiver.awaitSpan("the handshake span", LIMIT,
					(span) -> span.getName().equals(SpanHandshakeTracer.NAME)
							&& hex(span.getTraceId().toByteArray()).equals(traceId));
			assertThat(atBackend).as("the backend's parent is the handshake span")
				.isEqualTo("00-" + traceId + "-" + hex(handshake.getSpanId().toByteArray()) + "-01");
			assertThat(handshake.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
			assertThat(OtlpReceiver.attribute(handshake, "switchboard.outcome")).isEqualTo("success");
			assertThat(OtlpReceiver.attribute(handshake, "http.response.status_code")).isEqualTo("101");
			assertThat(OtlpReceiver.attribute(handshake, "switchboard.backend_instance"))
				.isEqualTo("127.0.0.1:" + backend.port());
			assertThat(OtlpReceiver.attribute(handshake, "client.address")).isEqualTo("127.0.0.1");
			Span server = receiver.awaitSpan("the server span", LIMIT,
					(span) -> span.getSpanId().equals(handshake.getParentSpanId()));
			assertThat(hex(server.getParentSpanId().toByteArray())).as("the server span's parent is the client's")
				.isEqualTo(clientSpan);

			Span tunnel = receiver.awaitSpan("the tunnel span", LIMIT, (span) -> span.getName().equals(TunnelSpans.NAME)
					&& span.getParentSpanId().equals(handshake.getSpanId()));
			assertThat(OtlpReceiver.attribute(tunnel, "websocket.close.code")).isEqualTo("1000");
			assertThat(OtlpReceiver.attribute(tunnel, "switchboard.close.initiator")).isEqualTo("client");
			assertThat(OtlpReceiver.attribute(tunnel, "switchboard.messages_to_backend")).isEqualTo("1");
			assertThat(tunnel.getEndTimeUnixNano() - tunnel.getStartTimeUnixNano())
				.as("a short span, not the tunnel's life")
				.isLessThan(Duration.ofSeconds(1).toNanos());

			await("the access log line").atMost(LIMIT)
				.until(() -> output.getOut()
					.lines()
					.anyMatch((line) -> line.contains("WebSocket tunnel closed")
							&& line.contains("trace_id=" + traceId)));
		}
	}

	@Test
	void aFailedHandshakeCarriesItsReasonAndAnError() throws Exception {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/refused/ws")) {
			throw new AssertionError("the handshake should have failed");
		}
		catch (RuntimeException expected) {
			// answered 502
		}
		Span failed = receiver.awaitSpan("the failed handshake's span", LIMIT,
				(span) -> span.getName().equals(SpanHandshakeTracer.NAME)
						&& "backend_unavailable".equals(OtlpReceiver.attribute(span, "switchboard.outcome")));
		assertThat(failed.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
		assertThat(OtlpReceiver.attribute(failed, "http.response.status_code")).isEqualTo("502");
		assertThat(OtlpReceiver.attribute(failed, "switchboard.refusal_reason")).contains("refused");
	}

	@Test
	void theHandshakeHistogramCarriesExemplarsWithTraceIds() throws Exception {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/ws?exemplar")) {
			client.sendText("hello");
			client.nextText();
		}
		String management = gateway.getEnvironment().getProperty("local.management.port");
		HttpResponse<String> scrape = HttpClient.newHttpClient()
			.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + management + "/actuator/prometheus"))
				.header("Accept", "application/openmetrics-text")
				.build(), HttpResponse.BodyHandlers.ofString());
		Pattern exemplar = Pattern.compile(
				"switchboard_handshake_duration_seconds_bucket\\{.*\\} \\S+ # \\{.*trace_id=\"[0-9a-f]{32}\".*\\}.*");
		assertThat(scrape.body().lines()).anyMatch((line) -> exemplar.matcher(line).matches());
	}

	@Test
	void withoutASamplingProbabilityNothingIsTracedAndNoTraceparentIsSent() throws Exception {
		ConfigurableApplicationContext untraced = gateway(receiver.endpoint());
		try {
			assertThat(untraced.getBeanProvider(Tracer.class).getIfAvailable()).as("no tracer at all").isNull();
			int untracedPort = ((WebServerApplicationContext) untraced).getWebServer().getPort();
			assertThat(untraced.getBeanProvider(SpanExporter.class).getIfAvailable()).as("nothing to export with")
				.isNull();
			try (WsClient client = WsClient.connect("ws://127.0.0.1:" + untracedPort + "/ws?untraced")) {
				client.sendText("hello");
				assertThat(client.nextText()).isEqualTo("hello");
			}
			assertThat(backend.awaitRequest("/ws?untraced").headers().get("traceparent")).isNull();
		}
		finally {
			untraced.close();
		}
	}

	static ConfigurableApplicationContext gateway(String endpoint, String... settings) throws Exception {
		String route = "--spring.cloud.gateway.server.webflux.routes[";
		List<String> args = new ArrayList<>(List.of("--server.port=0", route + "0].id=echo",
				route + "0].uri=ws://127.0.0.1:" + backend.port(), route + "0].predicates[0]=Path=/ws/**",
				route + "1].id=refused", route + "1].uri=ws://127.0.0.1:" + UnresponsivePorts.refusing(),
				route + "1].predicates[0]=Path=/refused/**",
				"--management.opentelemetry.tracing.export.otlp.endpoint=" + endpoint,
				"--management.opentelemetry.tracing.export.schedule-delay=100ms"));
		args.addAll(List.of(settings));
		return new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class)
			.run(args.toArray(String[]::new));
	}

	static String hex(byte[] bytes) {
		return HexFormat.of().formatHex(bytes);
	}

}
