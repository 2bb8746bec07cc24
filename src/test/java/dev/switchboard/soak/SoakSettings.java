package dev.switchboard.soak;

import java.time.Duration;

import org.springframework.boot.convert.DurationStyle;

/**
 * The size of a soak run, from system properties ({@code -Dsoak.*}). Without any, a CI
 * smoke: 60 clients and 20 s of traffic with the whole fault plan compressed into it. A
 * run of two minutes or more gets realistic timings (shutdown accept delay 1 s, close
 * spread 5 s, client backoff 100 ms doubling to 5 s, faults lasting 15 s).
 *
 * @param duration how long the clients exchange messages ({@code soak.duration}, e.g.
 * {@code 10m})
 * @param clients how many clients ({@code soak.clients})
 * @param rate messages per client per second ({@code soak.rate})
 * @param rounds how many times the fault plan runs ({@code soak.rounds}; default one per
 * five minutes)
 * @param connectRate new clients per second while they first connect
 * ({@code soak.connect-rate})
 * @param smoke whether this is the compressed CI size (duration under two minutes)
 * @param acceptDelay the gateways' {@code switchboard.shutdown.accept-delay}
 * @param closeSpread the gateways' {@code switchboard.shutdown.close-spread}
 * @param reloadInterval the gateways' {@code switchboard.reload.interval}
 * @param ejectionPeriod the gateways' {@code switchboard.balancer.ejection-period}
 * @param backoffBase the clients' first reconnect delay bound (full jitter)
 * @param backoffCap the clients' largest reconnect delay bound
 * @param backendDown how long a killed backend stays down
 * @param redisDown how long a killed Redis stays down
 * @param margin how long after a fault ends its closes are still counted as its own
 * @param sample how often gateway CPU and Redis keys are sampled
 * @param gatewayJvmArgs extra JVM options for the gateway replicas
 * ({@code soak.gateway-jvm-args}, space separated)
 */
record SoakSettings(Duration duration, int clients, double rate, int rounds, int connectRate, boolean smoke,
		Duration acceptDelay, Duration closeSpread, Duration reloadInterval, Duration ejectionPeriod,
		Duration backoffBase, Duration backoffCap, Duration backendDown, Duration redisDown, Duration margin,
		Duration sample, String gatewayJvmArgs) {

	static SoakSettings fromSystemProperties() {
		Duration duration = DurationStyle.detectAndParse(System.getProperty("soak.duration", "20s"));
		boolean smoke = duration.compareTo(Duration.ofMinutes(2)) < 0;
		int clients = Integer.getInteger("soak.clients", 60);
		double rate = Double.parseDouble(System.getProperty("soak.rate", "1"));
		int rounds = Integer.getInteger("soak.rounds", (int) Math.max(1, duration.toMinutes() / 5));
		int connectRate = Integer.getInteger("soak.connect-rate", 200);
		String jvmArgs = System.getProperty("soak.gateway-jvm-args", smoke ? "" : "-XX:TieredStopAtLevel=4");
		if (smoke) {
			return new SoakSettings(duration, clients, rate, rounds, connectRate, true, Duration.ofMillis(200),
					Duration.ofSeconds(1), Duration.ofMillis(500), Duration.ofSeconds(10), Duration.ofMillis(50),
					Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMillis(1500), Duration.ofSeconds(1),
					Duration.ofSeconds(1), jvmArgs);
		}
		return new SoakSettings(duration, clients, rate, rounds, connectRate, false, Duration.ofSeconds(1),
				Duration.ofSeconds(5), Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMillis(100),
				Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(3),
				Duration.ofSeconds(5), jvmArgs);
	}

	/** How long one round of the fault plan lasts. */
	Duration round() {
		return this.duration.dividedBy(this.rounds);
	}

	/** The time between two messages of one client. */
	Duration messageInterval() {
		return Duration.ofNanos((long) (1_000_000_000L / this.rate));
	}

	/** One line naming every parameter, for the report and the log. */
	String describe() {
		return "duration " + this.duration.toSeconds() + " s, " + this.clients + " clients, " + this.rate
				+ " msg/s per client, " + this.rounds + " round(s) of faults, accept-delay "
				+ this.acceptDelay.toMillis() + " ms, close-spread " + this.closeSpread.toMillis()
				+ " ms, reload interval " + this.reloadInterval.toMillis() + " ms, ejection period "
				+ this.ejectionPeriod.toMillis() + " ms, client backoff " + this.backoffBase.toMillis() + " ms to "
				+ this.backoffCap.toMillis() + " ms (full jitter), backend down " + this.backendDown.toMillis()
				+ " ms, Redis down " + this.redisDown.toMillis() + " ms, gateway JVM options '" + this.gatewayJvmArgs
				+ "'";
	}

}
