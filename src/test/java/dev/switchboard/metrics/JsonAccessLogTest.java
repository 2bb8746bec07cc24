package dev.switchboard.metrics;

import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.yaml.snakeyaml.Yaml;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import dev.switchboard.support.Routes;
import dev.switchboard.support.TestBackend;
import dev.switchboard.support.WsClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With switchboard.access-log.format=json each access line is an ECS JSON document with
 * every field.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = "switchboard.access-log.format=json")
@ExtendWith(OutputCaptureExtension.class)
class JsonAccessLogTest {

	static final TestBackend backend = new TestBackend();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void routes(DynamicPropertyRegistry registry) {
		new Routes(registry).add("json", "ws://127.0.0.1:" + backend.port(), "Path=/**");
	}

	@AfterAll
	static void stopBackend() {
		backend.close();
	}

	@Test
	@SuppressWarnings("unchecked")
	void aTunnelEndsAsOneJsonDocument(CapturedOutput output) throws Exception {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + this.port + "/ws")) {
			client.sendText("json please");
			client.nextText();
			client.sendClose(4005, "done");
			client.awaitClose();
		}
		String line = MetricsTest.awaitLine(output, "\"kind\":\"tunnel\"");
		assertThat(line).as("a JSON access-log line for the tunnel").startsWith("{");
		Map<String, Object> document = new Yaml().load(line);
		assertThat((Map<String, Object>) document.get("log")).containsEntry("logger", "switchboard.access");
		assertThat(document).containsEntry("route", "json")
			.containsEntry("close_code", 4005)
			.containsEntry("close_initiator", "client")
			.containsEntry("upgraded", true)
			.containsKey("@timestamp");
		assertThat(((Number) document.get("bytes_to_backend")).longValue()).isPositive();
	}

}
