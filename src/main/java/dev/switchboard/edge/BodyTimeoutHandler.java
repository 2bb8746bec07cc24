package dev.switchboard.edge;

import java.time.Duration;

import io.netty.handler.timeout.ReadTimeoutException;
import reactor.core.publisher.Mono;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebExceptionHandler;

import dev.switchboard.OneLineAnswer;

/**
 * Answers 408 to a request whose body stopped arriving for
 * {@code switchboard.client-body-timeout}, and closes its connection: the server's read
 * timeout surfaces as an error of the body being relayed, which would otherwise become a
 * 500 with a stack trace.
 */
class BodyTimeoutHandler implements WebExceptionHandler, Ordered {

	private final RefusedRequests refused;

	private final Duration timeout;

	BodyTimeoutHandler(RefusedRequests refused, Duration timeout) {
		this.refused = refused;
		this.timeout = timeout;
	}

	@Override
	public int getOrder() {
		// Before Spring Boot's error handler (-1), which would answer 500.
		return -2;
	}

	@Override
	public Mono<Void> handle(ServerWebExchange exchange, Throwable ex) {
		ServerHttpResponse response = exchange.getResponse();
		if (!isReadTimeout(ex) || response.isCommitted()) {
			return Mono.error(ex);
		}
		String detail = "request body not received within " + this.timeout.toMillis() + "ms (client-body-timeout)";
		this.refused.refused(RefusedRequests.Reason.BODY_TIMEOUT, exchange.getRequest().getRemoteAddress(),
				HttpStatus.REQUEST_TIMEOUT.value(), detail);
		response.getHeaders().set(HttpHeaders.CONNECTION, "close");
		return OneLineAnswer.send(response, HttpStatus.REQUEST_TIMEOUT, detail);
	}

	private static boolean isReadTimeout(Throwable ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof ReadTimeoutException) {
				return true;
			}
		}
		return false;
	}

}
