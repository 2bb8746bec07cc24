package dev.switchboard.sticky;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Session cookies carry the session id and its instance, sealed: only the gateway reads
 * them, nothing altered or sealed with another key opens, and a cookie from before a key
 * rotation still opens.
 */
class SessionCookiesTest {

	static final String INSTANCE = "10.0.3.7:8080";

	private final SessionCookies cookies = new SessionCookies(StickyGateway.SECRET);

	@Test
	void aSealedCookieOpensToItsIdAndInstance() {
		String id = this.cookies.newId();
		assertThat(id).hasSize(22);
		SessionCookies.Opened opened = this.cookies.open("chat", this.cookies.seal("chat", id, INSTANCE));
		assertThat(opened).isEqualTo(new SessionCookies.Opened(id, INSTANCE, false));
	}

	@Test
	void theInstanceCannotBeReadFromTheCookie() {
		String value = this.cookies.seal("chat", this.cookies.newId(), INSTANCE);
		assertThat(value).doesNotContain("10.0.3.7").doesNotContain("8080");
		assertThat(this.cookies.seal("chat", this.cookies.newId(), INSTANCE))
			.as("a fresh nonce per cookie: two cookies for the same instance differ")
			.isNotEqualTo(value);
	}

	@Test
	void aCookieIsSmall() {
		assertThat(this.cookies.seal("chat", this.cookies.newId(), INSTANCE)).hasSize(78);
	}

	@Test
	void idsAreNotRepeated() {
		Set<String> ids = new HashSet<>();
		for (int i = 0; i < 10_000; i++) {
			ids.add(this.cookies.newId());
		}
		assertThat(ids).hasSize(10_000);
	}

	@Test
	void everyAlteredCharacterIsRefused() {
		String value = this.cookies.seal("chat", this.cookies.newId(), INSTANCE);
		for (int i = 0; i < value.length(); i++) {
			char replacement = (value.charAt(i) == 'A') ? 'B' : 'A';
			String altered = value.substring(0, i) + replacement + value.substring(i + 1);
			assertThat(this.cookies.open("chat", altered)).as("altered at " + i).isNull();
		}
	}

	@Test
	void aCookieOfAnotherRouteIsRefused() {
		String value = this.cookies.seal("chat", this.cookies.newId(), INSTANCE);
		assertThat(this.cookies.open("admin", value)).isNull();
	}

	@Test
	void aCookieSealedWithAnotherKeyIsRefused() {
		SessionCookies other = new SessionCookies("another-secret-another-secret-another");
		assertThat(this.cookies.open("chat", other.seal("chat", other.newId(), INSTANCE))).isNull();
	}

	@Test
	void duringARotationCookiesOfThePreviousKeyOpenAndAreMarkedForResealing() {
		SessionCookies before = new SessionCookies(StickyGateway.SECRET);
		SessionCookies rotated = new SessionCookies("the-new-secret-the-new-secret-the-new",
				List.of(StickyGateway.SECRET));
		String id = before.newId();
		SessionCookies.Opened opened = rotated.open("chat", before.seal("chat", id, INSTANCE));
		assertThat(opened).isEqualTo(new SessionCookies.Opened(id, INSTANCE, true));
		String resealed = rotated.seal("chat", id, INSTANCE);
		assertThat(rotated.open("chat", resealed).previousKey()).isFalse();
		assertThat(before.open("chat", resealed)).as("new cookies are sealed with the new key only").isNull();
		SessionCookies afterRotation = new SessionCookies("the-new-secret-the-new-secret-the-new");
		assertThat(afterRotation.open("chat", before.seal("chat", id, INSTANCE)))
			.as("once the previous secret is removed, its cookies are new sessions")
			.isNull();
	}

	@Test
	void malformedValuesAreRefused() {
		assertThat(this.cookies.open("chat", null)).isNull();
		assertThat(this.cookies.open("chat", "")).isNull();
		assertThat(this.cookies.open("chat", INSTANCE)).isNull();
		assertThat(this.cookies.open("chat", "%%%%%%%%%%%%%%%%%%%%%%.%%%%%%%%%%%%%%%%%%%%%%")).isNull();
		assertThat(this.cookies.open("chat", "A".repeat(4096))).isNull();
	}

	@Test
	void aShortKeyIsRefusedAtStartup() {
		assertThatIllegalStateException().isThrownBy(() -> new SessionCookies("short"))
			.withMessageContaining("switchboard.sticky.secret");
		assertThatIllegalStateException().isThrownBy(() -> new SessionCookies(null))
			.withMessageContaining("switchboard.sticky.secret");
		assertThatIllegalStateException().isThrownBy(() -> new SessionCookies(StickyGateway.SECRET, List.of("short")))
			.withMessageContaining("switchboard.sticky.previous-secrets");
	}

}
