namespace Bridge.Tests;
