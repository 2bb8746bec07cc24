package dev.switchboard.config;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Prints an unusable setting as Spring Boot prints its own configuration failures: what,
 * and how to fix it.
 */
class InvalidSettingsFailureAnalyzer extends AbstractFailureAnalyzer<InvalidSettingsException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, InvalidSettingsException cause) {
		return new FailureAnalysis(cause.getMessage(),
				"Correct the setting named above; every Switchboard property and its default is listed in the"
						+ " README's Configuration reference.",
				cause);
	}

}
