package dev.switchboard.sticky;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.mock.env.MockEnvironment;

import dev.switchboard.config.InvalidRouteSettingsException;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RouteSettingsCheck;
import dev.switchboard.tunnel.TunnelSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Per-route sticky settings: bound over the global values, checked, and kept apart from
 * the tunnel's settings, which share the {@code metadata.switchboard} subtree.
 */
class StickySettingsTest {

	private final MockEnvironment environment = new MockEnvironment().withProperty("switchboard.sticky.ttl", "12h");

	private final RouteSettings<StickySettings> sticky = settings("switchboard.sticky", StickySettings.class,
			StickySettings::check);

	private final RouteSettings<TunnelSettings> tunnel = settings("switchboard", TunnelSettings.class,
			TunnelSettings::check);

	private final RouteSettingsCheck check = new RouteSettingsCheck(null, List.of(this.sticky, this.tunnel), List.of());

	@Test
	void aRouteOverridesTheGlobalValues() {
		StickySettings settings = this.sticky
			.resolve("chat", Map.of("switchboard", Map.of("sticky", Map.of("enabled", "true", "cookie-name", "CHAT",
					"cookie-max-age", "2h", "same-site", "strict", "learn-cookie", "io", "learn-query-param", "sid"))));
		assertThat(settings.enabled()).isTrue();
		assertThat(settings.cookieName()).isEqualTo("CHAT");
		assertThat(settings.cookieMaxAge()).isEqualTo(Duration.ofHours(2));
		assertThat(settings.sameSite()).isEqualTo(StickySettings.SameSite.STRICT);
		assertThat(settings.learnCookie()).isEqualTo("io");
		assertThat(settings.learnQueryParam()).isEqualTo("sid");
		// Not set on the route: the global value, else the record's default.
		assertThat(settings.ttl()).isEqualTo(Duration.ofHours(12));
		assertThat(settings.cookiePath()).isEqualTo("/");
	}

	@Test
	void aRouteWithoutStickyMetadataSharesTheGlobalInstance() {
		assertThat(this.sticky.resolve("plain", Map.of())).isSameAs(this.sticky.defaults());
		assertThat(this.sticky.resolve("plain", Map.of("switchboard.idle-timeout", "2h")))
			.isSameAs(this.sticky.defaults());
		assertThat(this.sticky.defaults().enabled()).isFalse();
		assertThat(this.sticky.defaults().cookieName()).isEqualTo("SWITCHBOARD_STICKY");
	}

	@Test
	void aMisspeltKeyNamesTheRouteTheKeyAndTheNearestValidOne() {
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.check.check("chat", Map.of("switchboard.sticky.enabeld", "true")))
			.withMessageContaining("Route 'chat'")
			.withMessageContaining("metadata.switchboard.sticky.enabeld is not a per-route setting")
			.withMessageContaining("did you mean 'switchboard.sticky.enabled'?");
	}

	@Test
	void aGlobalOnlyKeyIsNamedAsSuch() {
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.check.check("chat", Map.of("switchboard.sticky.secret", "x")))
			.withMessageContaining("metadata.switchboard.sticky.secret cannot be set per route");
	}

	@Test
	void anUnusableValueNamesTheRouteAndTheKey() {
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.sticky.resolve("chat", Map.of("switchboard.sticky.ttl", "forever")))
			.withMessageContaining("Route 'chat'")
			.withMessageContaining("metadata.switchboard.sticky.ttl");
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.sticky.resolve("chat", Map.of("switchboard.sticky.ttl", "0s")))
			.withMessageContaining("metadata.switchboard.sticky.ttl must be greater than zero");
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.sticky.resolve("chat", Map.of("switchboard.sticky.cookie-name", "a b")))
			.withMessageContaining("cookie-name");
	}

	@Test
	void eachFeatureTakesOnlyItsOwnKeys() {
		Map<String, Object> metadata = Map.of("switchboard",
				Map.of("max-message-size", "1MB", "sticky", Map.of("enabled", "true")));
		this.check.check("chat", metadata);
		assertThat(this.tunnel.resolve("chat", metadata).maxMessageSize().toMegabytes()).isEqualTo(1);
		assertThat(this.sticky.resolve("chat", metadata).enabled()).isTrue();
		assertThatExceptionOfType(InvalidRouteSettingsException.class)
			.isThrownBy(() -> this.check.check("chat", Map.of("switchboard.stickyy.enabled", "true")));
	}

	/**
	 * Binding is far too slow for the hot path (it was 14% of a sticky handshake's CPU
	 * when the cache missed every time): one route instance is bound once, and a
	 * refreshed route is bound again.
	 */
	@Test
	void eachRouteInstanceIsBoundOnce() {
		Map<String, Object> metadata = Map.of("switchboard",
				Map.of("max-message-size", "1MB", "sticky", Map.of("enabled", "true", "cookie-name", "CHAT")));
		Route route = route("chat", metadata);

		assertThat(this.sticky.forRoute(route)).isSameAs(this.sticky.forRoute(route));
		assertThat(this.tunnel.forRoute(route)).isSameAs(this.tunnel.forRoute(route));

		Route refreshed = route("chat",
				Map.of("switchboard", Map.of("sticky", Map.of("enabled", "true", "cookie-name", "CHAT2"))));
		assertThat(this.sticky.forRoute(refreshed).cookieName()).isEqualTo("CHAT2");
		assertThat(this.tunnel.forRoute(refreshed).maxMessageSize().toMegabytes()).isEqualTo(16);
	}

	private <T> RouteSettings<T> settings(String prefix, Class<T> type, BiConsumer<T, String> check) {
		T defaults = Binder.get(this.environment).bindOrCreate(prefix, type);
		return new RouteSettings<>(prefix, type, defaults, this.environment, check);
	}

	private static Route route(String id, Map<String, Object> metadata) {
		return Route.async()
			.id(id)
			.uri(URI.create("lb://chat"))
			.predicate((exchange) -> true)
			.metadata(metadata)
			.build();
	}

}
