"""Helpers shared by the tests: one of each, used everywhere.

- :mod:`tests.support.cli`: :func:`~tests.support.cli.run`, the command run as
  a subprocess with the known credentials ``KEY``, ``SECRET``, ``TOKEN``.
- :mod:`tests.support.clock`: :class:`~tests.support.clock.FakeClock`, the
  clock a test moves by hand and passes as ``clock=`` (never monkeypatched).
- :mod:`tests.support.cognito`: moto admin clients, user pools with their app
  clients, users, identity pools (:func:`~tests.support.cognito.make_pool`,
  :func:`~tests.support.cognito.add_user`,
  :func:`~tests.support.cognito.make_identity_pool`).
- :mod:`tests.support.gateway`: :func:`~tests.support.gateway.echo`, a route
  handler answering with what it received.
- :mod:`tests.support.profiles`: the two hypothesis profiles and
  :func:`~tests.support.profiles.examples`, a property test's example count.
  ``CI=true`` in the environment selects the ``ci`` profile, with each test's
  full count (``.ci/run`` sets it); otherwise ``dev`` runs a twentieth of
  them, at least 10, so the suite stays quick while you work.
- :mod:`tests.support.raw_http`: raw HTTP/1.1 bytes over a loopback socket, for
  the framings and request targets ``requests`` refuses to send.
- :mod:`tests.support.redirect_lab`: :class:`~tests.support.redirect_lab.RedirectLab`,
  two loopback origins that redirect on request and verify signatures.

The moto server itself is the session fixture ``moto_endpoint``
(``tests/conftest_moto.py``); the loopback server that verifies signatures
with botocore is ``verifying_server`` (``tests/conftest.py``).
"""
