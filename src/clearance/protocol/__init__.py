"""Wire codecs driven by botocore's service models: query/JSON/REST-XML in, XML/JSON out."""
