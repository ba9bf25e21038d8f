"""A sharded index on a Dask cluster (``pip install "searcher[cluster]"``): see searcher.cluster.sharded."""
