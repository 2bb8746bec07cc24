package dev.switchboard.policy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.mock.env.MockEnvironment;

import dev.switchboard.auth.AuthSettings;
import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.sticky.StickySettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A route that trusts a cookie (sticky, or a token from a cookie) without an origin
 * allow-list is named at startup and at every reload.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnprotectedCookieRoutesTest {

	private final MockEnvironment environment = new MockEnvironment();

	private final RouteSettings<OriginSettings> origins = new RouteSettings<>("switchboard", OriginSettings.class,
			Binder.get(this.environment).bindOrCreate("switchboard", OriginSettings.class), this.environment,
			OriginSettings::check);

	private final RouteSettings<StickySettings> sticky = new RouteSettings<>("switchboard.sticky", StickySettings.class,
			Binder.get(this.environment).bindOrCreate("switchboard.sticky", StickySettings.class), this.environment,
			StickySettings::check);

	private final RouteSettings<AuthSettings> auth = new RouteSettings<>("switchboard", AuthSettings.class,
			Binder.get(this.environment).bindOrCreate("switchboard", AuthSettings.class), this.environment,
			AuthSettings::check);

	private final RoutesCheck.SettingsLookup lookup = new RoutesCheck.SettingsLookup() {

		@Override
		public <T> T forRoute(RouteSettings<T> feature, RouteDefinition route) {
			return feature.resolve(route.getId(), route.getMetadata());
		}

	};

	@Test
	void onlyCookieRoutesWithoutAnAllowListAreNamed(CapturedOutput output) {
		Map<String, Object> jwt = Map.of("switchboard.auth", "jwt", "switchboard.jwt-issuer-uri",
				"https://id.example.com");
		Map<String, Object> cookieJwt = new HashMap<>(jwt);
		cookieJwt.put("switchboard.token-cookie", "session");
		new UnprotectedCookieRoutes(this.origins, this.sticky, this.auth)
			.check(List.of(route("exposed", Map.of("switchboard.sticky.enabled", "true")),
					route("guarded",
							Map.of("switchboard.sticky.enabled", "true", "switchboard.allowed-origins",
									"https://chat.example.com")),
					route("plain", Map.of()), route("cookie-token", cookieJwt), route("header-token", jwt)),
					this.lookup);
		assertThat(output.getOut()).contains("Route exposed is sticky")
			.contains("Route cookie-token takes its token from cookie session")
			.contains("has no switchboard.allowed-origins")
			.doesNotContain("Route guarded")
			.doesNotContain("Route plain")
			.doesNotContain("Route header-token");
	}

	private static RouteDefinition route(String id, Map<String, Object> metadata) {
		RouteDefinition route = new RouteDefinition();
		route.setId(id);
		route.setMetadata(metadata);
		return route;
	}

}
