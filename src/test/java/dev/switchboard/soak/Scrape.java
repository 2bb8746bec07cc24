package dev.switchboard.soak;

import java.util.ArrayList;
import java.util.List;

/**
 * One scrape of /actuator/prometheus, kept as text: sums of samples by name and labels,
 * and the raw lines of a metric for the report.
 */
final class Scrape {

	private final List<String> lines = new ArrayList<>();

	Scrape(String text) {
		if (text != null) {
			for (String line : text.split("\n")) {
				if (!line.isBlank() && !line.startsWith("#")) {
					this.lines.add(line);
				}
			}
		}
	}

	/**
	 * The sum of every sample named {@code name} whose labels include all of
	 * {@code labels} ({@code k=v}).
	 */
	double sum(String name, String... labels) {
		double sum = 0;
		for (String line : lines(name)) {
			boolean matches = true;
			for (String label : labels) {
				int eq = label.indexOf('=');
				String wanted = label.substring(0, eq) + "=\"" + label.substring(eq + 1) + "\"";
				if (!line.contains("{" + wanted) && !line.contains("," + wanted)) {
					matches = false;
				}
			}
			if (matches) {
				sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
			}
		}
		return sum;
	}

	/** The sample lines of a metric. */
	List<String> lines(String name) {
		List<String> found = new ArrayList<>();
		for (String line : this.lines) {
			if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
				found.add(line);
			}
		}
		return found;
	}

}
