package dev.switchboard.sticky;

import java.util.HashSet;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Session ids are random and signed; anything not signed with the key is refused without
 * Redis.
 */
class SessionCookiesTest {

	private final SessionCookies cookies = new SessionCookies(StickyGateway.SECRET);

	@Test
	void aSignedIdVerifies() {
		String id = this.cookies.newId();
		assertThat(id).hasSize(22);
		assertThat(this.cookies.verify(this.cookies.sign(id))).isEqualTo(id);
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
		String value = this.cookies.sign(this.cookies.newId());
		for (int i = 0; i < value.length(); i++) {
			if (i == 22) {
				continue;
			}
			char replacement = (value.charAt(i) == 'A') ? 'B' : 'A';
			String altered = value.substring(0, i) + replacement + value.substring(i + 1);
			assertThat(this.cookies.verify(altered)).as("altered at " + i).isNull();
		}
	}

	@Test
	void anIdSignedWithAnotherKeyIsRefused() {
		SessionCookies other = new SessionCookies("another-secret-another-secret-another");
		assertThat(this.cookies.verify(other.sign(other.newId()))).isNull();
	}

	@Test
	void malformedValuesAreRefused() {
		assertThat(this.cookies.verify(null)).isNull();
		assertThat(this.cookies.verify("")).isNull();
		assertThat(this.cookies.verify("127.0.0.1:8080")).isNull();
		assertThat(this.cookies.verify("%%%%%%%%%%%%%%%%%%%%%%.%%%%%%%%%%%%%%%%%%%%%%")).isNull();
	}

	@Test
	void aShortKeyIsRefusedAtStartup() {
		assertThatIllegalStateException().isThrownBy(() -> new SessionCookies("short"))
			.withMessageContaining("switchboard.sticky.secret");
		assertThatIllegalStateException().isThrownBy(() -> new SessionCookies(null))
			.withMessageContaining("switchboard.sticky.secret");
	}

}
