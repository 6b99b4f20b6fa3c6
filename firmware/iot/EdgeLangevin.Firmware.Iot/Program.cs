// Entry point of the Linux single-board-computer firmware; see firmware/iot/README.md.
System.Console.Error.WriteLine("EdgeLangevin IoT firmware: not yet implemented");
return 1;
