package dev.switchboard.config;

import java.util.Collection;

/** Suggests the valid name a misspelt one was probably meant to be. */
final class NearestName {

	private NearestName() {
	}

	/**
	 * The candidate closest to {@code name} by edit distance, or null when none is
	 * plausibly meant.
	 */
	static String of(String name, Collection<String> candidates) {
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		for (String candidate : candidates) {
			int distance = distance(name, candidate);
			if (distance < bestDistance) {
				best = candidate;
				bestDistance = distance;
			}
		}
		int plausible = Math.max(3, lastSegment(name).length() / 3);
		return (best != null && bestDistance <= plausible) ? best : null;
	}

	/** "; did you mean 'x'?" or nothing. */
	static String hint(String name, Collection<String> candidates) {
		String nearest = of(name, candidates);
		return (nearest != null) ? "; did you mean '" + nearest + "'?" : "";
	}

	private static String lastSegment(String name) {
		return name.substring(name.lastIndexOf('.') + 1);
	}

	/** Levenshtein distance. */
	static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

}
