package dev.switchboard;

import java.nio.charset.StandardCharsets;

import reactor.core.publisher.Mono;

import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;

/**
 * How the gateway answers a request it refuses itself: the status and one line of plain
 * text saying why, the same line its log has.
 */
public final class OneLineAnswer {

	private OneLineAnswer() {
	}

	public static Mono<Void> send(ServerHttpResponse response, HttpStatus status, String line) {
		response.setStatusCode(status);
		response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
		byte[] body = (line + "\n").getBytes(StandardCharsets.UTF_8);
		return response.writeWith(Mono.just(response.bufferFactory().wrap(body)));
	}

}
