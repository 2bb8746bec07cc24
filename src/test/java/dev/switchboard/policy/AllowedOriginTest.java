package dev.switchboard.policy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Allow-list entries and Origin headers compared as browsers form origins (RFC 6454):
 * scheme, host and port, default ports made explicit.
 */
class AllowedOriginTest {

	@ParameterizedTest
	@CsvSource({ "https://chat.example.com, https://chat.example.com",
			"https://chat.example.com, https://CHAT.example.com:443",
			"https://chat.example.com/, https://chat.example.com", "http://localhost:3000, http://localhost:3000",
			"https://*.example.org, https://eu.example.org", "https://*.example.org, https://a.b.example.org",
			"http://[::1]:8080, http://[::1]:8080", "app://local, app://local" })
	void allows(String entry, String origin) {
		assertThat(AllowedOrigin.parse(entry).allows(AllowedOrigin.ofHeader(origin))).isTrue();
	}

	@ParameterizedTest
	@CsvSource({ "https://chat.example.com, http://chat.example.com",
			"https://chat.example.com, https://chat.example.com:8443",
			"https://chat.example.com, https://chat.example.com.evil.example",
			"https://*.example.org, https://example.org", "https://*.example.org, https://evil-example.org",
			"https://*.example.org, http://eu.example.org", "http://localhost:3000, http://localhost" })
	void refuses(String entry, String origin) {
		assertThat(AllowedOrigin.parse(entry).allows(AllowedOrigin.ofHeader(origin))).isFalse();
	}

	@ParameterizedTest
	@ValueSource(strings = { "null", "garbage", "https://*.example.org", "https://chat.example.com/path", "://x" })
	void originHeadersThatNameNoPageOriginAreNotOrigins(String header) {
		assertThat(AllowedOrigin.ofHeader(header)).isNull();
	}

	@ParameterizedTest
	@ValueSource(strings = { "chat.example.com", "https://", "https://chat.example.com/app",
			"https://user@chat.example.com", "https://*chat.example.com", "https://chat.*.example.com",
			"https://chat.example.com:0", "https://chat.example.com:99999", "https://chat example.com" })
	void entriesThatCannotMatchAnOriginAreRefused(String entry) {
		assertThatIllegalArgumentException().isThrownBy(() -> AllowedOrigin.parse(entry))
			.withMessageStartingWith("must be scheme://host[:port]");
	}

	@Test
	void entriesPrintNormalised() {
		assertThat(AllowedOrigin.parse("HTTPS://*.Example.org")).hasToString("https://*.example.org:443");
	}

}
