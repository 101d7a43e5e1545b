from twostep.cli import main

main(prog_name="twostep")
