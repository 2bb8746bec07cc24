package dev.switchboard.faults;

import java.util.List;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

import dev.switchboard.SwitchboardApplication;
import dev.switchboard.support.PrivateLoops;
import dev.switchboard.support.WsClient;

/**
 * A gateway replica in this JVM, started like a deployment from command-line properties.
 */
final class Gateway implements AutoCloseable {

	final ConfigurableApplicationContext context;

	final int port;

	private Gateway(ConfigurableApplicationContext context) {
		this.context = context;
		this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
	}

	static Gateway inThisJvm(List<String> args) {
		return new Gateway(new SpringApplicationBuilder(SwitchboardApplication.class, PrivateLoops.class)
			.run(args.toArray(String[]::new)));
	}

	String ws(String path) {
		return "ws://127.0.0.1:" + this.port + path;
	}

	/** A WebSocket session to /chat/ws/whoami with an optional session cookie. */
	Answer session(String cookie) throws InterruptedException {
		return session(this.port, cookie);
	}

	static Answer session(int port, String cookie) throws InterruptedException {
		try (WsClient client = WsClient.connect("ws://127.0.0.1:" + port + "/chat/ws/whoami", (headers) -> {
			if (cookie != null) {
				headers.set("Cookie", cookie);
			}
		})) {
			String set = client.handshakeHeaders().get("Set-Cookie");
			String value = (set != null) ? set.substring(0, set.indexOf(';')) : cookie;
			return new Answer(client.nextText(), value);
		}
	}

	@Override
	public void close() {
		this.context.close();
	}

	/** Which backend answered, and the session cookie to present next time. */
	record Answer(String body, String cookie) {
	}

}
