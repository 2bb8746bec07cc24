package dev.switchboard;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.filter.WebsocketRoutingFilter;
import org.springframework.cloud.gateway.route.Route;
import org.springframework.cloud.gateway.route.RouteLocator;

import dev.switchboard.support.GatewayTest;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guards against the silent failure of the old property prefix: the routes declared as
 * properties are really loaded, and the stock WebSocket filter that the tunnel replaces
 * is really gone.
 */
class RoutesLoadedTest extends GatewayTest {

	@Autowired
	RouteLocator routes;

	@Autowired
	List<GlobalFilter> globalFilters;

	@Test
	void everyRouteDeclaredInPropertiesIsLoaded() {
		List<String> ids = this.routes.getRoutes().map(Route::getId).collectList().block(Duration.ofSeconds(5));
		assertThat(ids).contains("echo", "spelled", "small", "refused", "silent", "blackhole");
	}

	@Test
	void theStockWebSocketRoutingFilterIsNotActive() {
		assertThat(this.globalFilters).noneMatch(WebsocketRoutingFilter.class::isInstance);
	}

}
