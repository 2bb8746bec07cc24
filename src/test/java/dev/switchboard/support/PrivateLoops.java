package dev.switchboard.support;

import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * Configuration for whole gateway applications that tests start and close themselves:
 * event loops of their own, so closing one does not dispose Reactor Netty's global loops
 * that other tests still use. Passed to SpringApplicationBuilder as a source;
 * deliberately not a @Configuration, which component scanning would apply to every test
 * context.
 */
public class PrivateLoops {

	@Bean
	ReactorResourceFactory privateReactorResources() {
		ReactorResourceFactory factory = new ReactorResourceFactory();
		factory.setUseGlobalResources(false);
		return factory;
	}

}
