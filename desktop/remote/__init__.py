"""The ComfyUI engine: Logo Studio's jobs run on a ComfyUI server (a GPU elsewhere) through its
HTTP and websocket API. ``address`` says where the server is and how to sign in, ``client`` talks
to it, ``events`` reads its websocket, ``graph`` builds the API graph of a request (plain data in,
plain data out), ``catalog`` lists the server's models and LoRAs, and ``engine`` is what
``desktop.jobs.run_job`` calls, as it calls the local engine. No Qt and no torch here."""
