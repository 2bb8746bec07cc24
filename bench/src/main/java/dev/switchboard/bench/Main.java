package dev.switchboard.bench;

import java.util.Arrays;

/**
 * Entry point of the benchmark jar. The first argument selects the program:
 * <ul>
 * <li>{@code echo-server} - the WebSocket echo backend ({@link EchoServer})</li>
 * <li>{@code otlp-sink} - an OTLP endpoint that discards spans ({@link OtlpSink})</li>
 * <li>{@code jwks} - a JWKS endpoint and a token signed with its key
 * ({@link JwksServer})</li>
 * <li>{@code loadgen WORKLOAD} - the load generator ({@link LoadGen})</li>
 * <li>{@code report}, {@code free-ports}, {@code jvm-mem}, {@code proc-mem} - helpers
 * used by run.sh</li>
 * </ul>
 */
public final class Main {

	private Main() {
	}

	public static void main(String[] args) throws Exception {
		if (args.length == 0) {
			usage();
			System.exit(2);
		}
		String[] rest = Arrays.copyOfRange(args, 1, args.length);
		switch (args[0]) {
			case "echo-server" -> EchoServer.main(rest);
			case "otlp-sink" -> OtlpSink.main(rest);
			case "jwks" -> JwksServer.main(rest);
			case "loadgen" -> LoadGen.main(rest);
			case "report" -> Report.main(rest);
			case "storm-report" -> StormReport.main(rest);
			case "free-ports" -> Tools.freePorts(rest);
			case "jvm-mem" -> Tools.jvmMem(rest);
			default -> {
				usage();
				System.exit(2);
			}
		}
	}

	private static void usage() {
		System.err.println("""
				usage: java -jar switchboard-bench.jar <program> [options]
				  echo-server --port P [--host 127.0.0.1] [--threads N]
				  otlp-sink --port P
				  jwks --port P --token-file FILE [--sub bench] [--aud bench] [--ttl-hours 24]
				  loadgen probe|handshake|latency|throughput|large|idle|storm --url ws://127.0.0.1:P/path [options]
				  report --results FILE --meta FILE --out FILE [--old FILE]
				  storm-report --results FILE --meta FILE --out FILE [--problems FILE] [--disturbances FILE]
				  free-ports N [--from PORT]
				  jvm-mem --pid PID --agent AGENT_JAR
				See bench/README.md.""");
	}

}
