package dev.switchboard.sticky;

import java.net.URI;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.cloud.gateway.route.Route;

import dev.switchboard.config.InvalidRouteSettingsException;
import dev.switchboard.config.RouteSettingsResolver;
import dev.switchboard.config.SwitchboardProperties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/** Per-route sticky settings: bound over the global defaults, checked, and ignored by the tunnel's own binding. */
class StickySettingsTest {

	private final StickySettingsResolver resolver = new StickySettingsResolver(new StickyProperties().routeDefaults());

	@Test
	void aRouteOverridesTheDefaults() {
		StickySettings settings = this.resolver.resolve("chat", Map.of("switchboard",
				Map.of("sticky", Map.of("enabled", "true", "cookie-name", "CHAT", "cookie-max-age", "2h", "same-site",
						"strict", "ttl", "1h", "learn-cookie", "io", "learn-query-param", "sid"))));
		assertThat(settings.enabled()).isTrue();
		assertThat(settings.cookieName()).isEqualTo("CHAT");
		assertThat(settings.cookieMaxAge()).isEqualTo(Duration.ofHours(2));
		assertThat(settings.sameSite()).isEqualTo(StickyProperties.SameSite.STRICT);
		assertThat(settings.ttl()).isEqualTo(Duration.ofHours(1));
		assertThat(settings.learnCookie()).isEqualTo("io");
		assertThat(settings.learnQueryParam()).isEqualTo("sid");
		assertThat(settings.cookiePath()).isEqualTo("/");
	}

	@Test
	void aRouteWithoutStickyMetadataGetsTheDefaults() {
		StickySettings settings = this.resolver.resolve("plain", Map.of());
		assertThat(settings.enabled()).isFalse();
		assertThat(settings.ttl()).isEqualTo(Duration.ofHours(24));
		assertThat(settings.cookieName()).isEqualTo("SWITCHBOARD_STICKY");
	}

	@Test
	void aMisspeltKeyNamesTheRouteAndTheKey() {
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.resolver.resolve("chat", Map.of("switchboard.sticky.enabeld", "true")))
			.withMessageContaining("Route 'chat'")
			.withMessageContaining("metadata.switchboard.sticky");
	}

	@Test
	void anUnusableValueNamesTheRouteAndTheKey() {
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.resolver.resolve("chat", Map.of("switchboard.sticky.ttl", "forever")))
			.withMessageContaining("Route 'chat'")
			.withMessageContaining("metadata.switchboard.sticky.ttl");
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.resolver.resolve("chat", Map.of("switchboard.sticky.ttl", "0s")))
			.withMessageContaining("metadata.switchboard.sticky.ttl must be greater than zero");
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.resolver.resolve("chat", Map.of("switchboard.sticky.cookie-name", "a b")))
			.withMessageContaining("cookie-name");
	}

	@Test
	void theTunnelSettingsIgnoreTheStickySubtreeButStillRefuseOtherUnknownKeys() {
		RouteSettingsResolver tunnel = new RouteSettingsResolver(new SwitchboardProperties().tunnelDefaults());
		assertThat(tunnel.resolve("chat", Map.of("switchboard", Map.of("max-message-size", "1MB", "sticky",
				Map.of("enabled", "true")))).maxMessageSize().toMegabytes()).isEqualTo(1);
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> tunnel.resolve("chat", Map.of("switchboard.stickyy.enabled", "true")));
	}

	/**
	 * Binding is far too slow for the hot path (it was 14% of a sticky handshake's CPU when the cache
	 * missed every time): one route instance is bound once, and a refreshed route is bound again.
	 */
	@Test
	void eachRouteInstanceIsBoundOnce() {
		Map<String, Object> metadata = Map.of("switchboard", Map.of("max-message-size", "1MB", "sticky",
				Map.of("enabled", "true", "cookie-name", "CHAT")));
		Route route = route("chat", metadata);
		RouteSettingsResolver tunnel = new RouteSettingsResolver(new SwitchboardProperties().tunnelDefaults());

		assertThat(this.resolver.forRoute(route)).isSameAs(this.resolver.forRoute(route));
		assertThat(tunnel.forRoute(route)).isSameAs(tunnel.forRoute(route));

		Route refreshed = route("chat", Map.of("switchboard", Map.of("sticky", Map.of("enabled", "true",
				"cookie-name", "CHAT2"))));
		assertThat(this.resolver.forRoute(refreshed).cookieName()).isEqualTo("CHAT2");
		assertThat(tunnel.forRoute(refreshed).maxMessageSize().toMegabytes()).isEqualTo(16);
	}

	private static Route route(String id, Map<String, Object> metadata) {
		return Route.async().id(id).uri(URI.create("lb://chat")).predicate((exchange) -> true).metadata(metadata).build();
	}

}
