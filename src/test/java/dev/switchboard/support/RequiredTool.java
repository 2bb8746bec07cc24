package dev.switchboard.support;

import org.junit.jupiter.api.Assumptions;

/**
 * External tools some tests need (chromium, promtool, node, dockerfilelint). On a
 * developer's machine a missing tool skips the test and says how to install it; under
 * {@code CI=true} it fails the test, so CI can never go green by skipping.
 */
public final class RequiredTool {

	private RequiredTool() {
	}

	/**
	 * @param available whether the tool is there
	 * @param missing what is missing and how to install it
	 */
	public static void require(boolean available, String missing) {
		if (available) {
			return;
		}
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			throw new AssertionError(missing + " (CI=true: a missing tool fails the build; .ci/run installs it)");
		}
		Assumptions.abort(missing);
	}

}
