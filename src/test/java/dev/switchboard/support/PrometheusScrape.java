package dev.switchboard.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One scrape of /actuator/prometheus, parsed from the text exposition format. */
public final class PrometheusScrape {

	private final List<Sample> samples;

	private PrometheusScrape(List<Sample> samples) {
		this.samples = samples;
	}

	public static PrometheusScrape of(int managementPort) {
		String text = WsClient.client()
			.get()
			.uri("http://127.0.0.1:" + managementPort + "/actuator/prometheus")
			.responseSingle((response, body) -> body.asString())
			.block(Duration.ofSeconds(10));
		return parse(text);
	}

	static PrometheusScrape parse(String text) {
		List<Sample> samples = new ArrayList<>();
		for (String line : text.split("\n")) {
			if (line.isBlank() || line.startsWith("#")) {
				continue;
			}
			int brace = line.indexOf('{');
			int space = line.lastIndexOf(' ');
			String name = (brace > 0 && brace < space) ? line.substring(0, brace)
					: line.substring(0, line.indexOf(' '));
			Map<String, String> labels = new LinkedHashMap<>();
			if (brace > 0 && brace < space) {
				String body = line.substring(brace + 1, line.lastIndexOf('}'));
				for (String pair : body.split(",(?=[a-zA-Z_]+=\")")) {
					int eq = pair.indexOf('=');
					if (eq > 0) {
						labels.put(pair.substring(0, eq), pair.substring(eq + 2, pair.length() - 1));
					}
				}
			}
			samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
		}
		return new PrometheusScrape(samples);
	}

	/**
	 * The sum of every sample with this name whose labels include all of {@code labels}
	 * ("k=v" pairs).
	 */
	public double value(String name, String... labels) {
		double sum = 0;
		for (Sample sample : this.samples) {
			if (sample.name.equals(name) && matches(sample.labels, labels)) {
				sum += sample.value;
			}
		}
		return sum;
	}

	public List<String> names() {
		return this.samples.stream().map(Sample::name).distinct().toList();
	}

	private static boolean matches(Map<String, String> actual, String[] wanted) {
		for (String pair : wanted) {
			int eq = pair.indexOf('=');
			if (!pair.substring(eq + 1).equals(actual.get(pair.substring(0, eq)))) {
				return false;
			}
		}
		return true;
	}

	private record Sample(String name, Map<String, String> labels, double value) {
	}

}
