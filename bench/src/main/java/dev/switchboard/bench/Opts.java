package dev.switchboard.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Minimal "--key value" / "--flag" option parser. Repeated keys are kept in order. */
final class Opts {

	private final Map<String, List<String>> values = new LinkedHashMap<>();

	final List<String> positional = new ArrayList<>();

	Opts(String[] args) {
		for (int i = 0; i < args.length; i++) {
			String a = args[i];
			if (a.startsWith("--")) {
				String key = a.substring(2);
				String val;
				int eq = key.indexOf('=');
				if (eq >= 0) {
					val = key.substring(eq + 1);
					key = key.substring(0, eq);
				}
				else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
					val = args[++i];
				}
				else {
					val = "true";
				}
				values.computeIfAbsent(key, k -> new ArrayList<>()).add(val);
			}
			else {
				positional.add(a);
			}
		}
	}

	String str(String key, String def) {
		List<String> v = values.get(key);
		return v == null ? def : v.get(v.size() - 1);
	}

	List<String> all(String key) {
		return values.getOrDefault(key, List.of());
	}

	int integer(String key, int def) {
		String v = str(key, null);
		return v == null ? def : Integer.parseInt(v.replace("_", ""));
	}

	double dbl(String key, double def) {
		String v = str(key, null);
		return v == null ? def : Double.parseDouble(v);
	}

	boolean flag(String key) {
		return Boolean.parseBoolean(str(key, "false"));
	}

}
