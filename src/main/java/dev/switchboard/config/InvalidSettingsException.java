package dev.switchboard.config;

/**
 * A Switchboard setting holds a value the gateway cannot use. Thrown at startup (and when
 * a new configuration is checked), with a message that names the property and the fix.
 */
public class InvalidSettingsException extends IllegalStateException {

	public InvalidSettingsException(String message, Throwable cause) {
		super(message, cause);
	}

}
