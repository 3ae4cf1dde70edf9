"""Development tools, not part of the product: the stack launcher (`make run`, the integration
tests) and the protocol clients the tests and benchmarks drive the desk with."""
