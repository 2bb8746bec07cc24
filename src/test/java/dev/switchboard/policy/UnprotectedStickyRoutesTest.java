package dev.switchboard.policy;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.cloud.gateway.route.RouteDefinition;
import org.springframework.mock.env.MockEnvironment;

import dev.switchboard.config.RouteSettings;
import dev.switchboard.config.RoutesCheck;
import dev.switchboard.sticky.StickySettings;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sticky route without an origin allow-list is named at startup and at every reload.
 */
@ExtendWith(OutputCaptureExtension.class)
class UnprotectedStickyRoutesTest {

	private final MockEnvironment environment = new MockEnvironment();

	private final RouteSettings<OriginSettings> origins = new RouteSettings<>("switchboard", OriginSettings.class,
			Binder.get(this.environment).bindOrCreate("switchboard", OriginSettings.class), this.environment,
			OriginSettings::check);

	private final RouteSettings<StickySettings> sticky = new RouteSettings<>("switchboard.sticky", StickySettings.class,
			Binder.get(this.environment).bindOrCreate("switchboard.sticky", StickySettings.class), this.environment,
			StickySettings::check);

	private final RoutesCheck.SettingsLookup lookup = new RoutesCheck.SettingsLookup() {

		@Override
		public <T> T forRoute(RouteSettings<T> feature, RouteDefinition route) {
			return feature.resolve(route.getId(), route.getMetadata());
		}

	};

	@Test
	void onlyStickyRoutesWithoutAnAllowListAreNamed(CapturedOutput output) {
		new UnprotectedStickyRoutes(this.origins,
				this.sticky)
			.check(List.of(route("exposed", Map.of("switchboard.sticky.enabled", "true")), route("guarded", Map
				.of("switchboard.sticky.enabled", "true", "switchboard.allowed-origins", "https://chat.example.com")),
					route("plain", Map.of())), this.lookup);
		assertThat(output.getOut()).contains("Route exposed is sticky")
			.contains("has no switchboard.allowed-origins")
			.doesNotContain("Route guarded")
			.doesNotContain("Route plain");
	}

	private static RouteDefinition route(String id, Map<String, Object> metadata) {
		RouteDefinition route = new RouteDefinition();
		route.setId(id);
		route.setMetadata(metadata);
		return route;
	}

}
