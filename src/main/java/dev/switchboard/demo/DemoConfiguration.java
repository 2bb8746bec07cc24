package dev.switchboard.demo;

import java.util.List;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The {@code demo} profile: two in-process echo backends behind the {@code /ws/echo}
 * route (declared in application-demo.yml like any other route) and a page at {@code /}
 * that talks to them through the gateway. Nothing here is loaded outside the demo
 * profile.
 */
@Configuration(proxyBeanMethods = false)
@Profile("demo")
class DemoConfiguration {

	@Bean
	DemoEchoBackends demoEchoBackends(@Value("${demo.echo-a-port}") int portA,
			@Value("${demo.echo-b-port}") int portB) {
		return new DemoEchoBackends(List.of(portA, portB));
	}

	@Bean
	RouterFunction<ServerResponse> demoPage() {
		ClassPathResource page = new ClassPathResource("demo/index.html");
		return RouterFunctions.route()
			.GET("/", (request) -> ServerResponse.ok().contentType(MediaType.TEXT_HTML).bodyValue(page))
			.build();
	}

}
