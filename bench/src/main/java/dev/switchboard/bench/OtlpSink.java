package dev.switchboard.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

import com.sun.net.httpserver.HttpServer;

/**
 * An OTLP/HTTP endpoint that accepts every export and keeps nothing, for the tracing
 * legs: the gateway pays for encoding and sending its spans, as against a real collector,
 * and the sink costs next to nothing. {@code otlp-sink --port P}; prints
 * {@code OTLP SINK READY P}.
 */
final class OtlpSink {

	private OtlpSink() {
	}

	static void main(String[] args) throws IOException, InterruptedException {
		Opts opts = new Opts(args);
		int port = opts.integer("port", 4318);
		AtomicLong bytes = new AtomicLong();
		HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
		server.setExecutor(Executors.newSingleThreadExecutor());
		server.createContext("/", (exchange) -> {
			try (InputStream body = exchange.getRequestBody()) {
				bytes.addAndGet(body.transferTo(OutputStream.nullOutputStream()));
			}
			exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
			exchange.sendResponseHeaders(200, -1);
			exchange.close();
		});
		server.start();
		System.out.println("OTLP SINK READY " + port);
		Thread.currentThread().join();
	}

}
