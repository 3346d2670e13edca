#!/bin/bash

PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

configure_postfix() {

	# Configure the Postfix mail installation if it hasn't yet already been configured
	if [ ! -f /recipient.txt ]
	then

		# This configuration allows us to send mail using the G Suite SMTP relay
		# https://support.google.com/a/answer/176600?hl=en
		#
		# **********
		# Be sure to either whitelist your IP address or provide a username/password as environment variables!
		# https://support.google.com/a/answer/2956491?hl=en
		# **********
		
		echo ${EMAIL_HOSTNAME} > /etc/mailname &&
		/usr/sbin/postconf -e myhostname=${EMAIL_HOSTNAME} &&
		/usr/sbin/postconf -e mydestination="localhost.localdomain, localhost" &&
		/usr/sbin/postconf -e inet_interfaces=loopback-only &&
		/usr/sbin/postconf -e inet_protocols=ipv4 &&
		/usr/sbin/postconf -e relayhost=[smtp-relay.gmail.com]:587 &&
		/usr/sbin/postconf -e smtp_always_send_ehlo=yes &&
		/usr/sbin/postconf -e smtp_helo_name=${EMAIL_HOSTNAME} &&
		/usr/sbin/postconf -e smtp_use_tls=yes &&
		/usr/sbin/postconf -e smtp_tls_CAfile=/etc/ssl/certs/ssl-cert-snakeoil.pem &&
		
		# Only enable SMTP authentication if a username / password have been defined
		if [ ! -z "${EMAIL_USERNAME}" ] && [ ! -z "${EMAIL_PASSWORD}" ]
		then
			
			echo "[smtp-relay.gmail.com]:587 ${EMAIL_USERNAME}:${EMAIL_PASSWORD}" > /etc/postfix/sasl/sasl_passwd &&
			/usr/sbin/postmap /etc/postfix/sasl/sasl_passwd &&
			chmod 0600 /etc/postfix/sasl/sasl_passwd* &&
		
			/usr/sbin/postconf -e smtp_sasl_auth_enable=yes &&
			/usr/sbin/postconf -e smtp_sasl_password_maps=hash:/etc/postfix/sasl/sasl_passwd &&
			/usr/sbin/postconf -e smtp_sasl_security_options=noanonymous
			
		fi &&
		
		# Rather than passing the To: and From: lines separately for each email,
		# we define those lines once in recipient.txt and pass that file to sendmail
		echo "To: ${EMAIL_RECIPIENT}" > /recipient.txt &&
		echo "From: Fitzflix <fitzflix@${EMAIL_HOSTNAME}>" >> /recipient.txt &&
	
		# Restart Postfix
		/usr/sbin/service rsyslog restart &&
		/usr/sbin/service postfix reload
		
	fi
	
}
