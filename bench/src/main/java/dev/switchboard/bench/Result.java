package dev.switchboard.bench;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One machine-readable result line: "RESULT key=value key=value ..." (values contain no
 * spaces).
 */
final class Result {

	final Map<String, String> kv = new LinkedHashMap<>();

	Result put(String k, Object v) {
		String s;
		if (v instanceof Double d) {
			s = Double.isFinite(d) ? String.format(Locale.ROOT, "%.6g", d) : "nan";
			if (s.contains("e") || s.contains("E")) {
				s = String.format(Locale.ROOT, "%.6f", d);
			}
			if (s.contains(".")) {
				s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
			}
		}
		else {
			s = String.valueOf(v);
		}
		kv.put(k, s.replace(' ', '_'));
		return this;
	}

	@Override
	public String toString() {
		StringBuilder sb = new StringBuilder("RESULT");
		kv.forEach((k, v) -> sb.append(' ').append(k).append('=').append(v));
		return sb.toString();
	}

	static Map<String, String> parse(String line) {
		Map<String, String> m = new LinkedHashMap<>();
		String body = line.startsWith("RESULT") ? line.substring(6) : line;
		for (String tok : body.trim().split("\\s+")) {
			int eq = tok.indexOf('=');
			if (eq > 0) {
				m.put(tok.substring(0, eq), tok.substring(eq + 1));
			}
		}
		return m;
	}

}
