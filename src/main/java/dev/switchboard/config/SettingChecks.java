package dev.switchboard.config;

import java.time.Duration;

import org.springframework.util.unit.DataSize;

/**
 * The checks settings records share. Each throws {@link IllegalArgumentException} naming
 * the property as the user spelled it ({@code switchboard.idle-timeout} or
 * {@code metadata.switchboard.idle-timeout}).
 */
public final class SettingChecks {

	private SettingChecks() {
	}

	public static void positive(String property, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException(property + " must be greater than zero (was " + value + ")");
		}
	}

	public static void positive(String property, DataSize value) {
		if (value == null || value.toBytes() <= 0) {
			throw new IllegalArgumentException(
					property + " must be greater than zero (was " + ((value != null) ? value.toBytes() : null) + ")");
		}
	}

	public static void notNegative(String property, Duration value) {
		if (value == null || value.isNegative()) {
			throw new IllegalArgumentException(
					property + " must not be negative (was " + value + "); use 0 to disable it");
		}
	}

	public static void notNegative(String property, long value) {
		if (value < 0) {
			throw new IllegalArgumentException(
					property + " must not be negative (was " + value + "); use 0 to disable it");
		}
	}

	public static void notNegative(String property, DataSize value) {
		if (value == null || value.toBytes() < 0) {
			throw new IllegalArgumentException(property + " must not be negative (was "
					+ ((value != null) ? value.toBytes() : null) + "); use 0 to disable it");
		}
	}

	public static void notBlank(String property, String value) {
		if (value == null || value.isBlank()) {
			throw new IllegalArgumentException(property + " must not be blank");
		}
	}

}
